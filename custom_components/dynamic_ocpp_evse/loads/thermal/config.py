"""A thermal load (hot-water tank, heated store) as the user configured it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ...engine.model import Phase

SUBENTRY_THERMAL: Final = "thermal"
WATER_HEATER: Final = "water_heater"
CLIMATE: Final = "climate"
SWITCH: Final = "switch"

# Subentry data keys.
CONF_HEATER: Final = "heater_entity"  # a water_heater, or a switch that adds the boost
CONF_TEMPERATURE_SENSOR: Final = "temperature_sensor"
CONF_NORMAL_TEMPERATURE: Final = "normal_temperature"  # water heater: its own set-point
# Water heater: the operation modes for its normal level and a boost (where it needs one).
CONF_NORMAL_OPERATION_MODE: Final = "normal_operation_mode"
CONF_BOOST_OPERATION_MODE: Final = "boost_operation_mode"
CONF_BOOST_TEMPERATURE: Final = "boost_temperature"  # water heater, switch
CONF_BOOST_OFFSET: Final = (
    "boost_offset"  # climate: K above (heat) or below (cool) its own
)
CONF_MAX_TEMPERATURE: Final = "max_temperature"
CONF_HYSTERESIS: Final = "hysteresis"
CONF_POWER: Final = "power"
CONF_POWER_MONITOR: Final = "power_monitor"
CONF_PHASES: Final = "phases"
CONF_MIN_ON_TIME: Final = "min_on_time"  # s: a compressor's, once its boost started
CONF_MIN_OFF_TIME: Final = "min_off_time"  # s: before its boost starts again
DEFAULT_HYSTERESIS: Final = 3.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ThermalConfig:
    """A store of heat boosted from surplus: its heater, its temperatures (°C), its power."""

    id: str  # the subentry id
    name: str
    heater: str
    temperature_sensor: str | None  # None: the water heater's own current temperature
    normal_c: float | None  # the set-point restored after a boost (water heater only)
    boost_c: float | None  # None for a climate device: its own set-point and the offset
    boost_offset_k: float | None  # climate only
    max_c: float  # never set above, never boosted beyond
    hysteresis_c: float
    power_w: float
    power_monitor: str | None
    phases: tuple[Phase, ...]
    min_on_s: float = 0.0
    min_off_s: float = 0.0
    normal_operation_mode: str | None = None
    boost_operation_mode: str | None = None

    @classmethod
    def from_data(
        cls, subentry_id: str, title: str, data: Mapping[str, Any]
    ) -> ThermalConfig:
        """Read a thermal subentry's data."""
        normal = data.get(CONF_NORMAL_TEMPERATURE)
        boost = data.get(CONF_BOOST_TEMPERATURE)
        offset = data.get(CONF_BOOST_OFFSET)
        return cls(
            id=subentry_id,
            name=title,
            heater=str(data[CONF_HEATER]),
            temperature_sensor=data.get(CONF_TEMPERATURE_SENSOR) or None,
            normal_c=None if normal is None else float(normal),
            boost_c=None if boost is None else float(boost),
            boost_offset_k=None if offset is None else float(offset),
            max_c=float(data[CONF_MAX_TEMPERATURE]),
            hysteresis_c=float(data.get(CONF_HYSTERESIS, DEFAULT_HYSTERESIS)),
            power_w=float(data[CONF_POWER]),
            power_monitor=data.get(CONF_POWER_MONITOR) or None,
            phases=tuple(Phase(p) for p in data[CONF_PHASES]),
            min_on_s=float(data.get(CONF_MIN_ON_TIME, 0)),
            min_off_s=float(data.get(CONF_MIN_OFF_TIME, 0)),
            normal_operation_mode=data.get(CONF_NORMAL_OPERATION_MODE) or None,
            boost_operation_mode=data.get(CONF_BOOST_OPERATION_MODE) or None,
        )

    @property
    def device(self) -> str:
        """What drives it: a water heater's or a climate device's set-point, or a switch."""
        return self.heater.split(".", 1)[0]

    @property
    def ceiling_c(self) -> float:
        """Where a boost ends: its temperature, never above the maximum.

        A climate device's is its own set-point and the offset, found as it runs.
        """
        return min(self.max_c if self.boost_c is None else self.boost_c, self.max_c)

    @property
    def entities(self) -> list[str]:
        """Every entity the load reads."""
        return [
            self.heater,
            *([self.temperature_sensor] if self.temperature_sensor else []),
            *([self.power_monitor] if self.power_monitor else []),
        ]

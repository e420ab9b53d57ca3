"""The site as the user configured it (the config entry's data); each load kind reads its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .const import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_BREAKER_TYPE,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_METER_INTERVAL,
    CONF_OCPP_CERTFILE,
    CONF_OCPP_HOST,
    CONF_OCPP_KEYFILE,
    CONF_OCPP_PORT,
    CONF_SOLAR,
    CONF_VOLTAGE,
    DEFAULT_BREAKER_TYPE,
    DEFAULT_METER_INTERVAL,
    DEFAULT_OCPP_HOST,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
)
from .engine.breaker import BreakerType
from .engine.model import Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """The grid connection: meters, limits and optional solar, battery and inverter."""

    grid_meters: dict[Phase, str]  # present phases only
    invert_grid_sign: bool
    breaker_a: float
    voltage: float
    breaker_type: BreakerType = BreakerType.MCB_B
    meter_interval_s: float = DEFAULT_METER_INTERVAL
    solar_entity: str | None = None
    battery_soc_entity: str | None = None
    battery_power_entity: str | None = None
    battery_target_soc: float = DEFAULT_TARGET_SOC
    battery_support_soc: float = DEFAULT_SUPPORT_SOC
    inverter_max_power_w: float | None = None
    ocpp_port: int | None = None  # the built-in central system listens here (None: off)
    ocpp_host: str = DEFAULT_OCPP_HOST
    ocpp_certfile: str | None = None  # with the key: TLS (wss://) only
    ocpp_keyfile: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SiteConfig:
        """Read a site entry's data (validated by the config flow)."""
        meters = {
            Phase(key[-1].upper()): str(data[key])
            for key in CONF_GRID_METERS
            if data.get(key)
        }
        inverter = data.get(CONF_INVERTER_MAX_POWER)
        return cls(
            grid_meters=meters,
            invert_grid_sign=bool(data.get(CONF_INVERT_GRID, False)),
            breaker_a=float(data[CONF_BREAKER]),
            breaker_type=BreakerType(data.get(CONF_BREAKER_TYPE, DEFAULT_BREAKER_TYPE)),
            voltage=float(data[CONF_VOLTAGE]),
            meter_interval_s=float(
                data.get(CONF_METER_INTERVAL, DEFAULT_METER_INTERVAL)
            ),
            solar_entity=data.get(CONF_SOLAR) or None,
            battery_soc_entity=data.get(CONF_BATTERY_SOC) or None,
            battery_power_entity=data.get(CONF_BATTERY_POWER) or None,
            battery_target_soc=float(
                data.get(CONF_BATTERY_TARGET_SOC, DEFAULT_TARGET_SOC)
            ),
            battery_support_soc=float(
                data.get(CONF_BATTERY_SUPPORT_SOC, DEFAULT_SUPPORT_SOC)
            ),
            inverter_max_power_w=float(inverter) if inverter else None,
            ocpp_port=int(data[CONF_OCPP_PORT]) if data.get(CONF_OCPP_PORT) else None,
            ocpp_host=str(data.get(CONF_OCPP_HOST) or DEFAULT_OCPP_HOST),
            ocpp_certfile=data.get(CONF_OCPP_CERTFILE) or None,
            ocpp_keyfile=data.get(CONF_OCPP_KEYFILE) or None,
        )

    @property
    def entities(self) -> list[str]:
        """Every entity the site reads."""
        optional = (
            self.solar_entity,
            self.battery_soc_entity,
            self.battery_power_entity,
        )
        return [*self.grid_meters.values(), *(e for e in optional if e)]

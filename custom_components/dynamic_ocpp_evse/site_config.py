"""The site and its loads as the user configured them (config entry and subentry data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .const import (
    CAR_PHASES_AUTO,
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_BREAKER_TYPE,
    CONF_CAR_PHASES,
    CONF_CHARGE_POINT,
    CONF_CHARGER_MAX_CURRENT,
    CONF_CONNECTOR,
    CONF_CURRENT_STEP,
    CONF_FAILSAFE_CURRENT,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_MAX_CURRENT,
    CONF_METER_INTERVAL,
    CONF_MIN_CURRENT,
    CONF_PAUSE_MODE,
    CONF_PHASES,
    CONF_POWER,
    CONF_POWER_MONITOR,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_SOLAR,
    CONF_STACK_LEVEL,
    CONF_SWITCH,
    CONF_VOLTAGE,
    CONF_WIRING,
    DEFAULT_BREAKER_TYPE,
    DEFAULT_METER_INTERVAL,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
    LEGACY_CURRENT_STEP,
    PAUSE_ZERO,
    SUBENTRY_EVSE,
    SUBENTRY_PLUG,
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


@dataclass(frozen=True, slots=True, kw_only=True)
class PlugConfig:
    """A smart plug or relay: on/off at its power on the phases it is wired to."""

    id: str  # the subentry id
    name: str
    switch_entity: str
    power_w: float
    power_monitor: str | None
    phases: tuple[Phase, ...]

    @classmethod
    def from_data(
        cls, subentry_id: str, title: str, data: Mapping[str, Any]
    ) -> PlugConfig:
        """Read a plug subentry's data."""
        return cls(
            id=subentry_id,
            name=title,
            switch_entity=str(data[CONF_SWITCH]),
            power_w=float(data[CONF_POWER]),
            power_monitor=data.get(CONF_POWER_MONITOR) or None,
            phases=tuple(Phase(p) for p in data[CONF_PHASES]),
        )

    @property
    def entities(self) -> list[str]:
        """Every entity the plug reads."""
        return [
            self.switch_entity,
            *([self.power_monitor] if self.power_monitor else []),
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvseConfig:
    """One connector of a charger driven through the HA OCPP integration."""

    id: str  # the subentry id
    name: str
    charge_point_id: str  # the OCPP integration's id ("devid"), not an HA device id
    connector: int
    min_a: float
    max_a: float
    charger_max_a: float  # all connectors of the charger together, per phase
    wired: tuple[Phase, ...]  # the site phase of each charger line L1, L2, L3 in use
    rate_unit: str  # "A" or "W"
    stack_level: int  # of the working profile; the failsafe profile sits one below
    profile_validity_s: int
    failsafe_a: float
    pause_mode: str = PAUSE_ZERO
    current_step_a: float = LEGACY_CURRENT_STEP  # the charger applies multiples of this
    car_lines: int = 0  # the lines its car charges on; 0: learned from the last session

    @classmethod
    def from_data(
        cls, subentry_id: str, title: str, data: Mapping[str, Any]
    ) -> EvseConfig:
        """Read an EVSE subentry's data."""
        return cls(
            id=subentry_id,
            name=title,
            charge_point_id=str(data[CONF_CHARGE_POINT]),
            connector=int(data[CONF_CONNECTOR]),
            min_a=float(data[CONF_MIN_CURRENT]),
            max_a=float(data[CONF_MAX_CURRENT]),
            charger_max_a=float(data[CONF_CHARGER_MAX_CURRENT]),
            wired=tuple(Phase(data[key]) for key in CONF_WIRING if data.get(key)),
            rate_unit=str(data[CONF_RATE_UNIT]),
            stack_level=int(data[CONF_STACK_LEVEL]),
            profile_validity_s=int(data[CONF_PROFILE_VALIDITY]),
            failsafe_a=float(data[CONF_FAILSAFE_CURRENT]),
            pause_mode=str(data.get(CONF_PAUSE_MODE, PAUSE_ZERO)),
            current_step_a=float(data.get(CONF_CURRENT_STEP, LEGACY_CURRENT_STEP)),
            car_lines=_car_lines(data.get(CONF_CAR_PHASES, CAR_PHASES_AUTO)),
        )


def _car_lines(value: Any) -> int:
    return 0 if value == CAR_PHASES_AUTO else int(value)


def evses_of(entry: ConfigEntry[Any]) -> list[EvseConfig]:
    """The charger connectors configured as subentries of a site entry."""
    return [
        EvseConfig.from_data(subentry_id, subentry.title, subentry.data)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_EVSE
    ]


def plugs_of(entry: ConfigEntry[Any]) -> list[PlugConfig]:
    """The plugs configured as subentries of a site entry."""
    return [
        PlugConfig.from_data(subentry_id, subentry.title, subentry.data)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_PLUG
    ]

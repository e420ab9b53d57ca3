"""The site and its loads as the user configured them (config entry and subentry data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .const import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_PHASES,
    CONF_POWER,
    CONF_POWER_MONITOR,
    CONF_SOLAR,
    CONF_SWITCH,
    CONF_VOLTAGE,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
    SUBENTRY_PLUG,
)
from .engine.model import Phase


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """The grid connection: meters, limits and optional solar, battery and inverter."""

    grid_meters: dict[Phase, str]  # present phases only
    invert_grid_sign: bool
    breaker_a: float
    voltage: float
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
            voltage=float(data[CONF_VOLTAGE]),
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


def plugs_of(entry: ConfigEntry[Any]) -> list[PlugConfig]:
    """The plugs configured as subentries of a site entry."""
    return [
        PlugConfig.from_data(subentry_id, subentry.title, subentry.data)
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_PLUG
    ]

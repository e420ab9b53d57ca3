"""Thermal loads: a hot-water tank or heated store boosted from surplus, storing it as heat.

A water heater is boosted by raising its set-point; a store heated by a switch (the device
keeps its normal level by itself) by switching it on. Boosts are for surplus only (Solar or
Excess); the normal level is the device's own and counts as house load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow
from homeassistant.core import HomeAssistant

from ..kind import SiteContext
from ..modes import BOOST_MODES
from .actions import async_setup_actions
from .config import CONF_PHASES, SUBENTRY_THERMAL, ThermalConfig
from .driver import ThermalGroup, leave_normal
from .flow import ThermalSubentryFlow


class ThermalKind:
    """The thermal kind of load."""

    subentry_type = SUBENTRY_THERMAL
    model = "Thermal store"
    modes = BOOST_MODES
    repair_keys: tuple[str, ...] = ()

    @property
    def flow(self) -> type[ConfigSubentryFlow]:
        """Add or change a thermal load."""
        return ThermalSubentryFlow

    def fix_flow(self, key: str, entry_id: str) -> RepairsFlow | None:
        """A thermal load's issues are fixed where they arise (its entities)."""
        return None

    def hardware_ids(self, data: Mapping[str, Any]) -> list[str]:
        """A thermal load names no hardware beyond its entities."""
        return []

    def phases(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The phases it draws on."""
        return frozenset(data.get(CONF_PHASES, ()))

    def group(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        site: SiteContext,
    ) -> ThermalGroup:
        """The site's thermal loads."""
        return ThermalGroup(hass, subentries)

    async def async_forget(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """Removed thermal loads go back to their normal level (never raises)."""
        for subentry_id, subentry in subentries.items():
            await leave_normal(
                hass,
                ThermalConfig.from_data(subentry_id, subentry.title, subentry.data),
            )

    def async_setup_actions(self, hass: HomeAssistant) -> None:
        """Start or stop a boost now."""
        async_setup_actions(hass)


THERMAL = ThermalKind()

"""Smart plugs and relays: on at their power, or off, through `switch.turn_on/off`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow
from homeassistant.core import HomeAssistant

from ..kind import SiteContext
from ..modes import ON_OFF_MODES
from .config import CONF_PHASES, SUBENTRY_PLUG
from .driver import PlugGroup
from .flow import PlugSubentryFlow


class PlugKind:
    """The plug kind of load."""

    subentry_type = SUBENTRY_PLUG
    model = "Smart plug"
    modes = ON_OFF_MODES
    repair_keys: tuple[str, ...] = ()

    @property
    def flow(self) -> type[ConfigSubentryFlow]:
        """Add or change a plug."""
        return PlugSubentryFlow

    def fix_flow(self, key: str, entry_id: str) -> RepairsFlow | None:
        """A plug's issues are fixed where they arise (its entities)."""
        return None

    def hardware_ids(self, data: Mapping[str, Any]) -> list[str]:
        """A plug names no hardware beyond its entities."""
        return []

    def phases(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The phases it draws on."""
        return frozenset(data.get(CONF_PHASES, ()))

    def group(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        site: SiteContext,
    ) -> PlugGroup:
        """The site's plugs."""
        return PlugGroup(hass, subentries)

    async def async_forget(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """A removed plug keeps the state it has: nothing to undo."""

    def async_setup_actions(self, hass: HomeAssistant) -> None:
        """Plugs have no actions of their own."""


PLUG = PlugKind()

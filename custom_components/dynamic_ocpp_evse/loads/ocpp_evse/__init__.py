"""EV chargers over OCPP: one load per connector, commanded by charging profiles.

A charger is reached through the HA OCPP integration or connects to our own central system.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow
from homeassistant.core import HomeAssistant

from ..kind import SiteContext
from ..modes import ALL_MODES
from .actions import async_setup_actions
from .config import CONF_CHARGE_POINT, CONF_WIRING, SUBENTRY_EVSE, EvseConfig
from .driver import EvseGroup
from .flow import EvseSubentryFlow
from .refused import AddRefusedCharger
from .via_integration import async_release_chargers


class OcppEvseKind:
    """The charger-connector kind of load."""

    subentry_type = SUBENTRY_EVSE
    model = "Charger connector"
    modes = ALL_MODES
    repair_keys: tuple[str, ...] = (
        "ocpp_missing",
        "ocpp_entities",
        "schedule_mismatch",
        "profile_rejected",
        "profile_adapted",
        "charger_refused",
    )

    @property
    def flow(self) -> type[ConfigSubentryFlow]:
        """Add or change a connector."""
        return EvseSubentryFlow

    def fix_flow(self, key: str, entry_id: str) -> RepairsFlow | None:
        """A refused charger: add it to the site."""
        return AddRefusedCharger(entry_id) if key == "charger_refused" else None

    def hardware_ids(self, data: Mapping[str, Any]) -> list[str]:
        """The charge point id: often the charger's serial number."""
        return [str(data[CONF_CHARGE_POINT])] if data.get(CONF_CHARGE_POINT) else []

    def phases(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The site phases of its lines."""
        return frozenset(str(data[key]) for key in CONF_WIRING if data.get(key))

    def group(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        site: SiteContext,
    ) -> EvseGroup:
        """The site's connectors."""
        return EvseGroup(hass, subentries, site)

    async def async_forget(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """Clear our profiles from chargers whose connectors are removed."""
        await async_release_chargers(
            hass,
            [
                EvseConfig.from_data(subentry_id, subentry.title, subentry.data)
                for subentry_id, subentry in subentries.items()
            ],
        )

    def async_setup_actions(self, hass: HomeAssistant) -> None:
        """`reset_charger`."""
        async_setup_actions(hass)


OCPP_EVSE = OcppEvseKind()

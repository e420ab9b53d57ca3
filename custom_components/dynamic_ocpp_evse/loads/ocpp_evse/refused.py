"""A charger that was refused: "it wants to connect — add it?", as the repair's fix flow.

An unknown charge point id is never let in by itself; the user who fixes the repair issue
names it a connector of the site (the same form and checks as *Add charger*), and the site,
reloaded with it, lets it in when it connects again.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.data_entry_flow import FlowResult

from ...flow_checks import error_placeholders, site_phases
from .config import CONF_CHARGE_POINT, SUBENTRY_EVSE
from .flow import central_schema, connector_unique_id, read_connector


class AddRefusedCharger(RepairsFlow):
    """Add one of the chargers the site's server refused as a connector of the site."""

    def __init__(self, entry_id: str) -> None:
        """For the site `entry_id`."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """The fix begins (with the issue's data, not a form's)."""
        return await self.async_step_add()

    async def async_step_add(
        self, user_input: dict[str, Any] | None = None
    ) -> FlowResult:
        """The connector's form, its charge point id one that was refused."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="site_not_loaded")
        central = entry.runtime_data.coordinator.central
        refused = sorted(central.refused) if central is not None else []
        if not refused:
            return self.async_abort(reason="nothing_refused")
        schema = central_schema(site_phases(entry))
        errors: dict[str, str] = {}
        if user_input is not None:
            name, data, errors = await read_connector(
                self.hass, schema, user_input, chargers={}, own=None, central=True
            )
            if not errors:
                self.hass.config_entries.async_add_subentry(
                    entry,
                    ConfigSubentry(
                        data=MappingProxyType(data),
                        subentry_type=SUBENTRY_EVSE,
                        title=name,
                        unique_id=connector_unique_id(data),
                    ),
                )
                return self.async_create_entry(data={})
        suggested = user_input or {CONF_CHARGE_POINT: refused[0], CONF_NAME: refused[0]}
        return self.async_show_form(
            step_id="add",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={
                "chargers": ", ".join(refused),
                **error_placeholders(self.hass, schema, suggested, errors),
            },
        )

"""Add or change a smart plug or relay (a subentry of the site)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ...const import CONF_MODE, CONF_PRIORITY, DOMAIN
from ...engine.model import ModeSetting
from ...flow_checks import (
    POWER_UNITS,
    SENSOR,
    entity_error,
    form_errors,
    number_field,
    registry_id,
    site_phases,
)
from .config import CONF_PHASES, CONF_POWER, CONF_POWER_MONITOR, CONF_SWITCH


def _plug_schema(phases: list[str], *, new: bool) -> vol.Schema:
    schema: dict[vol.Marker, Any] = {
        vol.Required(CONF_NAME): selector.TextSelector(),
        vol.Required(CONF_SWITCH): selector.EntitySelector(
            selector.EntitySelectorConfig(domain="switch")
        ),
        vol.Required(CONF_POWER): number_field(1, 50_000, "W"),
        vol.Optional(CONF_POWER_MONITOR): SENSOR,
        vol.Required(CONF_PHASES, default=phases[:1]): selector.SelectSelector(
            selector.SelectSelectorConfig(options=phases, multiple=True)
        ),
    }
    if new:
        schema[vol.Required(CONF_MODE, default=ModeSetting.FOLLOW_SITE.value)] = (
            selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[mode.value for mode in ModeSetting],
                    translation_key="operating_mode",
                )
            )
        )
        schema[vol.Required(CONF_PRIORITY, default=1)] = number_field(1, 99, "")
    return vol.Schema(schema)


class PlugSubentryFlow(ConfigSubentryFlow):
    """Add or change a smart plug or relay."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a new plug."""
        return await self._async_step(user_input, step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a plug (its mode and priority are changed on its device page)."""
        return await self._async_step(user_input, step_id="reconfigure")

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        phases = site_phases(entry)
        new = step_id == "user"
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._validate(user_input)
            if not errors:
                data = {
                    key: value for key, value in user_input.items() if key != CONF_NAME
                }
                if CONF_PRIORITY in data:
                    data[CONF_PRIORITY] = int(data[CONF_PRIORITY])
                unique_id = registry_id(self.hass, user_input[CONF_SWITCH])
                if new:
                    return self.async_create_entry(
                        title=user_input[CONF_NAME], data=data, unique_id=unique_id
                    )
                subentry = self._get_reconfigure_subentry()
                return self.async_update_and_abort(
                    entry,
                    subentry,
                    title=user_input[CONF_NAME],
                    data=subentry.data | data,
                    unique_id=unique_id,
                )
        suggested = user_input
        if suggested is None and not new:
            subentry = self._get_reconfigure_subentry()
            suggested = {CONF_NAME: subentry.title, **subentry.data}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _plug_schema(phases, new=new), suggested
            ),
            errors=errors,
        )

    def _validate(self, user_input: dict[str, Any]) -> dict[str, str]:
        phases = site_phases(self._get_entry())
        errors = form_errors(
            self.hass, _plug_schema(phases, new=self.source == "user"), user_input
        )
        if errors:
            return errors
        switch = user_input[CONF_SWITCH]
        own = None if self.source == "user" else self._reconfigure_subentry_id
        if self.hass.states.get(switch) is None:
            errors[CONF_SWITCH] = "entity_not_found"
        elif _managed_elsewhere(self.hass, switch, own):
            errors[CONF_SWITCH] = "already_managed"
        monitor = user_input.get(CONF_POWER_MONITOR)
        if monitor and (error := entity_error(self.hass, monitor, POWER_UNITS)):
            errors[CONF_POWER_MONITOR] = error
        if not user_input.get(
            CONF_PHASES
        ):  # the selector offers only the site's phases
            errors[CONF_PHASES] = "no_phase"
        return errors


def _managed_elsewhere(
    hass: HomeAssistant, switch: str, own_subentry: str | None
) -> bool:
    """Whether another load of any site already drives this switch."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry_id, subentry in entry.subentries.items():
            if subentry_id != own_subentry and subentry.data.get(CONF_SWITCH) == switch:
                return True
    return False

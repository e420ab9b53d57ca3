"""The subentry flow of a load driven through one entity of its own (a plug, a thermal load).

Add and reconfigure share one form; mode and priority are asked when it is added (later they
are changed on its device). The kind gives the form and its own checks.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ..circuit_groups import circuit_field
from ..const import CONF_MODE, CONF_PRIORITY, DOMAIN
from ..engine.model import ModeSetting
from ..flow_checks import (
    error_placeholders,
    form_errors,
    number_field,
    registry_id,
    site_phases,
)
from .modes import ModeChoice

# The data keys of every entity a load drives: one load per entity, whatever its kind.
DRIVEN_KEYS = ("switch_entity", "heater_entity")


class OwnEntityFlow(ConfigSubentryFlow):
    """Add or change a load that drives one entity (the kind gives form and checks)."""

    driven_key: str  # the data key of the entity it drives (its unique id)
    modes: ModeChoice  # the operating modes it offers

    def form(self, phases: list[str]) -> dict[vol.Marker, Any]:
        """The kind's fields (name, mode and priority are added here)."""
        raise NotImplementedError

    def check(self, user_input: dict[str, Any]) -> dict[str, str]:
        """The kind's own checks, once the form's are passed (field → error key)."""
        raise NotImplementedError

    def kept(self, data: dict[str, Any]) -> dict[str, Any]:
        """What of the form is saved (a kind drops fields its device does not use)."""
        return data

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a new load."""
        return await self._async_step(user_input, step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a load (its mode and priority are changed on its device)."""
        return await self._async_step(user_input, step_id="reconfigure")

    def _schema(self, *, new: bool) -> vol.Schema:
        schema: dict[vol.Marker, Any] = {
            vol.Required(CONF_NAME): selector.TextSelector(),
            **self.form(site_phases(self._get_entry())),
            **circuit_field(self._get_entry()),
        }
        if new:
            schema[vol.Required(CONF_MODE, default=ModeSetting.FOLLOW_SITE.value)] = (
                selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=[mode.value for mode in self.modes.options],
                        translation_key=self.modes.translation_key,
                    )
                )
            )
            schema[vol.Required(CONF_PRIORITY, default=1)] = number_field(1, 99, "")
        return vol.Schema(schema)

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        new = step_id == "user"
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._validate(user_input, new=new)
            if not errors:
                data = self.kept(
                    {
                        key: value
                        for key, value in user_input.items()
                        if key != CONF_NAME
                    }
                )
                if CONF_PRIORITY in data:
                    data[CONF_PRIORITY] = int(data[CONF_PRIORITY])
                unique_id = registry_id(self.hass, user_input[self.driven_key])
                if new:
                    return self.async_create_entry(
                        title=user_input[CONF_NAME], data=data, unique_id=unique_id
                    )
                subentry = self._get_reconfigure_subentry()
                return self.async_update_and_abort(
                    entry,
                    subentry,
                    title=user_input[CONF_NAME],
                    # Mode and priority (changed on the device) are kept; what the form
                    # shows is as submitted, so a field left empty is cleared.
                    data=self.kept(
                        {
                            key: value
                            for key, value in subentry.data.items()
                            if key not in _keys(self._schema(new=False))
                        }
                        | data
                    ),
                    unique_id=unique_id,
                )
        suggested = user_input
        if suggested is None and not new:
            subentry = self._get_reconfigure_subentry()
            suggested = {CONF_NAME: subentry.title, **subentry.data}
        schema = self._schema(new=new)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=error_placeholders(
                self.hass, schema, suggested or {}, errors
            ),
        )

    def _validate(self, user_input: dict[str, Any], *, new: bool) -> dict[str, str]:
        errors = form_errors(self.hass, self._schema(new=new), user_input)
        if errors:
            return errors
        driven = user_input[self.driven_key]
        own = None if new else self._reconfigure_subentry_id
        if self.hass.states.get(driven) is None:
            return {self.driven_key: "entity_not_found"}
        if _driven_elsewhere(self.hass, driven, own):
            return {self.driven_key: "already_managed"}
        return self.check(user_input)


def _driven_elsewhere(hass: HomeAssistant, entity_id: str, own: str | None) -> bool:
    """Whether another load of any site already drives this entity."""
    return any(
        subentry_id != own
        and any(subentry.data.get(key) == entity_id for key in DRIVEN_KEYS)
        for entry in hass.config_entries.async_entries(DOMAIN)
        for subentry_id, subentry in entry.subentries.items()
    )


def _keys(schema: vol.Schema) -> set[str]:
    return {str(marker) for marker in schema.schema}

"""Config flow of a Dynamic OCPP EVSE site."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
import voluptuous as vol

from .const import (
    CONF_BREAKER,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_VOLTAGE,
    DEFAULT_BREAKER,
    DEFAULT_NAME,
    DEFAULT_VOLTAGE,
    DOMAIN,
)
from .engine.units import parse_number, quantity_of

_METER_SELECTOR = selector.EntitySelector(
    selector.EntitySelectorConfig(domain="sensor")
)


def _site_schema() -> vol.Schema:
    meter_a, meter_b, meter_c = CONF_GRID_METERS
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=DEFAULT_NAME): selector.TextSelector(),
            vol.Required(meter_a): _METER_SELECTOR,
            vol.Optional(meter_b): _METER_SELECTOR,
            vol.Optional(meter_c): _METER_SELECTOR,
            vol.Required(CONF_INVERT_GRID, default=False): selector.BooleanSelector(),
            vol.Required(
                CONF_BREAKER, default=DEFAULT_BREAKER
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1,
                    max=1000,
                    step=1,
                    unit_of_measurement="A",
                    mode=selector.NumberSelectorMode.BOX,
                )
            ),
            vol.Required(
                CONF_VOLTAGE, default=DEFAULT_VOLTAGE
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=100,
                    max=480,
                    step=1,
                    unit_of_measurement="V",
                    mode=selector.NumberSelectorMode.BOX,
                )
            ),
        }
    )


def _meter_error(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the error key for a grid meter entity, or None when it can be used."""
    state = hass.states.get(entity_id)
    if state is None:
        return "entity_not_found"
    if quantity_of(state.attributes.get("unit_of_measurement")) is None:
        return "unsupported_unit"
    if (
        state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        and parse_number(state.state) is None
    ):
        return "not_numeric"
    return None


def validate_site(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Return per-field error keys for the site form."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for key in CONF_GRID_METERS:
        entity_id = user_input.get(key)
        if not entity_id:
            continue
        if entity_id in seen:
            errors[key] = "duplicate_meter"
        elif error := _meter_error(hass, entity_id):
            errors[key] = error
        seen.add(entity_id)
    return errors


class DynamicOcppEvseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create a site: the grid connection every load of it shares."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the site's grid connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                meter = user_input[CONF_GRID_METERS[0]]
                entry = er.async_get(self.hass).async_get(meter)
                # A meter measures one grid connection: it belongs to one site only.
                await self.async_set_unique_id(entry.id if entry else meter)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=user_input[CONF_NAME], data=user_input
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_site_schema(), user_input),
            errors=errors,
        )

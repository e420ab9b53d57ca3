"""Add or change a smart plug or relay (a subentry of the site)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
import voluptuous as vol

from ...flow_checks import POWER_UNITS, SENSOR, entity_error, number_field
from ..modes import ON_OFF_MODES
from ..on_off_flow import OwnEntityFlow
from .config import CONF_PHASES, CONF_POWER, CONF_POWER_MONITOR, CONF_SWITCH


class PlugSubentryFlow(OwnEntityFlow):
    """Add or change a smart plug or relay."""

    modes = ON_OFF_MODES
    driven_key = CONF_SWITCH

    def form(self, phases: list[str]) -> dict[vol.Marker, Any]:
        """Its switch, power, power monitor and phases."""
        return {
            vol.Required(CONF_SWITCH): selector.EntitySelector(
                selector.EntitySelectorConfig(domain="switch")
            ),
            **power_fields(phases),
        }

    def check(self, user_input: dict[str, Any]) -> dict[str, str]:
        """Its power monitor and phases."""
        return power_errors(self.hass, user_input)


DEFAULT_POWER_W = 2000  # a typical heater or boiler: a starting point, not 1 W


def power_fields(phases: list[str]) -> dict[vol.Marker, Any]:
    """Power when on, an optional power monitor, the phases it draws on."""
    return {
        vol.Required(CONF_POWER, default=DEFAULT_POWER_W): number_field(1, 50_000, "W"),
        vol.Optional(CONF_POWER_MONITOR): SENSOR,
        vol.Required(CONF_PHASES, default=phases[:1]): selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=phases, multiple=True, translation_key="site_phase"
            )
        ),
    }


def power_errors(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """A power monitor that reports no power; no phase chosen."""
    errors: dict[str, str] = {}
    monitor = user_input.get(CONF_POWER_MONITOR)
    if monitor and (error := entity_error(hass, monitor, POWER_UNITS)):
        errors[CONF_POWER_MONITOR] = error
    if not user_input.get(CONF_PHASES):  # the selector offers only the site's phases
        errors[CONF_PHASES] = "no_phase"
    return errors

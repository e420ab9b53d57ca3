"""Actions: set the site's charging or distribution mode, set a load's operating mode.

Each kind of load registers its own actions besides these.
"""

from __future__ import annotations

from dataclasses import replace

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import DOMAIN
from .engine.model import Distribution, Mode, ModeSetting
from .loads import KINDS
from .targets import load_of, site_of

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_MODE = "mode"
SERVICE_SET_CHARGING_MODE = "set_charging_mode"
SERVICE_SET_DISTRIBUTION_MODE = "set_distribution_mode"
SERVICE_SET_OPERATING_MODE = "set_operating_mode"

_SITE_SCHEMA = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, for every site)."""

    async def set_charging_mode(call: ServiceCall) -> None:
        coordinator = site_of(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        settings = replace(
            coordinator.settings, charging_mode=Mode(call.data[ATTR_MODE])
        )
        await coordinator.async_update_settings(settings)

    async def set_distribution_mode(call: ServiceCall) -> None:
        coordinator = site_of(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        settings = replace(
            coordinator.settings, distribution=Distribution(call.data[ATTR_MODE])
        )
        await coordinator.async_update_settings(settings)

    async def set_operating_mode(call: ServiceCall) -> None:
        coordinator, load_id = load_of(hass, call.data[ATTR_DEVICE_ID])
        await coordinator.async_set_load_settings(
            load_id, mode=ModeSetting(call.data[ATTR_MODE])
        )

    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_CHARGING_MODE,
        set_charging_mode,
        schema=vol.Schema(
            {**_SITE_SCHEMA, vol.Required(ATTR_MODE): vol.In([m.value for m in Mode])}
        ),
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_DISTRIBUTION_MODE,
        set_distribution_mode,
        schema=vol.Schema(
            {
                **_SITE_SCHEMA,
                vol.Required(ATTR_MODE): vol.In([m.value for m in Distribution]),
            }
        ),
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_OPERATING_MODE,
        set_operating_mode,
        schema=vol.Schema(
            {
                vol.Required(ATTR_DEVICE_ID): cv.string,
                vol.Required(ATTR_MODE): vol.In([m.value for m in ModeSetting]),
            }
        ),
    )
    for kind in KINDS:
        kind.async_setup_actions(hass)

"""A thermal load's actions: start a boost now (from the grid if need be), or stop it."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ...const import DOMAIN
from ...targets import load_of
from .driver import ThermalDriver

SERVICE_START_BOOST = "start_boost"
SERVICE_STOP_BOOST = "stop_boost"
ATTR_DURATION = "duration"
DEFAULT_STOP = timedelta(hours=1)


@callback
def async_setup_actions(hass: HomeAssistant) -> None:
    """Register the boost actions."""

    async def boost(call: ServiceCall) -> None:
        coordinator, load_id = load_of(hass, call.data[ATTR_DEVICE_ID])
        driver = coordinator.drivers[load_id]
        if not isinstance(driver, ThermalDriver):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_thermal",
                translation_placeholders={
                    "load": coordinator.config_entry.subentries[load_id].title
                },
            )
        if call.service == SERVICE_START_BOOST:
            driver.start_boost()
        else:
            driver.stop_boost(call.data[ATTR_DURATION])
        await coordinator.async_refresh()

    hass.services.async_register(
        DOMAIN,
        SERVICE_START_BOOST,
        boost,
        schema=vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string}),
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_STOP_BOOST,
        boost,
        schema=vol.Schema(
            {
                vol.Required(ATTR_DEVICE_ID): cv.string,
                vol.Optional(ATTR_DURATION, default=DEFAULT_STOP): vol.All(
                    cv.time_period, cv.positive_timedelta
                ),
            }
        ),
    )

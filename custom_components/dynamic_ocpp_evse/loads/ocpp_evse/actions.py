"""The charger's own action: clear its profiles, so that the next cycle installs them anew."""

from __future__ import annotations

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ...const import DOMAIN
from ...targets import load_of
from .driver import EvseDriver

SERVICE_RESET_CHARGER = "reset_charger"


@callback
def async_setup_actions(hass: HomeAssistant) -> None:
    """Register `reset_charger`."""

    async def reset_charger(call: ServiceCall) -> None:
        """Clear a charger's profiles; the cycle run at once reinstalls them.

        The OCPP integration clears every profile of the charger, so the profiles of all its
        connectors are reinstalled, not only those of the connector asked about.
        """
        coordinator, load_id = load_of(hass, call.data[ATTR_DEVICE_ID])
        driver = coordinator.drivers[load_id]
        if not isinstance(driver, EvseDriver):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_charger",
                translation_placeholders={"device_id": call.data[ATTR_DEVICE_ID]},
            )
        try:
            await driver.actuator.async_reset()
        except HomeAssistantError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="reset_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        for other in coordinator.drivers.values():
            if (
                isinstance(other, EvseDriver)
                and other.config.charge_point_id == driver.config.charge_point_id
            ):
                other.actuator.profiles_lost()
        await coordinator.async_refresh()

    hass.services.async_register(
        DOMAIN,
        SERVICE_RESET_CHARGER,
        reset_charger,
        schema=vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string}),
    )

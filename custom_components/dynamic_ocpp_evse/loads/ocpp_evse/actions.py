"""The charger's own actions: its profiles again, and what only the built-in server can ask.

`reset_charger` clears the profiles so that the next cycle installs them anew (either
transport). A charger on the site's own server can also be restarted (OCPP Reset), a connector
made available or not (ChangeAvailability), and its transaction started or stopped remotely.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ...const import DOMAIN
from ...targets import load_of
from .driver import EvseDriver
from .via_central import CentralTransport

if TYPE_CHECKING:
    from ...coordinator import DynamicOcppEvseCoordinator

SERVICE_RESET_CHARGER = "reset_charger"
SERVICE_RESTART_CHARGER = "restart_charger"
SERVICE_SET_CONNECTOR_AVAILABILITY = "set_connector_availability"
SERVICE_START_TRANSACTION = "start_transaction"
SERVICE_STOP_TRANSACTION = "stop_transaction"
ATTR_HARD = "hard"
ATTR_AVAILABLE = "available"
_DONE = (True, "Accepted", "Scheduled")  # Scheduled: once its transaction ends

type _Request = Callable[[CentralTransport, ServiceCall], Awaitable[bool | str]]


def _connector(
    hass: HomeAssistant, device_id: str
) -> tuple[DynamicOcppEvseCoordinator, EvseDriver]:
    """The site and charger connector of a device; an error for any other device."""
    coordinator, load_id = load_of(hass, device_id)
    driver = coordinator.drivers[load_id]
    if not isinstance(driver, EvseDriver):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_charger",
            translation_placeholders={"device_id": device_id},
        )
    return coordinator, driver


async def async_reset_charger(
    coordinator: DynamicOcppEvseCoordinator, driver: EvseDriver
) -> None:
    """Clear a charger's profiles; the cycle run at once reinstalls them.

    The OCPP integration clears every profile of the charger, so the profiles of all its
    connectors are reinstalled, not only those of the connector asked about.
    """
    for other in coordinator.drivers.values():
        if (
            isinstance(other, EvseDriver)
            and other.config.charge_point_id == driver.config.charge_point_id
        ):
            other.actuator.profiles_cleared()
    try:
        await driver.actuator.async_reset()
    except HomeAssistantError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="reset_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    await coordinator.async_refresh()


@callback
def async_setup_actions(hass: HomeAssistant) -> None:
    """Register the charger's actions."""

    async def reset_charger(call: ServiceCall) -> None:
        await async_reset_charger(*_connector(hass, call.data[ATTR_DEVICE_ID]))

    hass.services.async_register(
        DOMAIN,
        SERVICE_RESET_CHARGER,
        reset_charger,
        schema=vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string}),
    )

    def on_server(
        request: _Request,
    ) -> Callable[[ServiceCall], Coroutine[Any, Any, None]]:
        """An action that asks a charger on the site's own server, and reads its answer."""

        async def handle(call: ServiceCall) -> None:
            _, driver = _connector(hass, call.data[ATTR_DEVICE_ID])
            transport = driver.actuator.transport
            if not isinstance(transport, CentralTransport):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="not_on_server",
                    translation_placeholders={"charger": driver.config.name},
                )
            answer = await request(transport, call)
            if answer not in _DONE:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="charger_declined",
                    translation_placeholders={
                        "charger": driver.config.charge_point_id,
                        "action": call.service,
                        "answer": str(answer)
                        if isinstance(answer, str)
                        else "Rejected",
                    },
                )

        return handle

    device: dict[vol.Marker, Any] = {vol.Required(ATTR_DEVICE_ID): cv.string}
    requests: tuple[tuple[str, _Request, dict[vol.Marker, Any]], ...] = (
        (
            SERVICE_RESTART_CHARGER,
            lambda t, c: t.restart(hard=c.data[ATTR_HARD]),
            {vol.Optional(ATTR_HARD, default=False): cv.boolean},
        ),
        (
            SERVICE_SET_CONNECTOR_AVAILABILITY,
            lambda t, c: t.set_available(c.data[ATTR_AVAILABLE]),
            {vol.Required(ATTR_AVAILABLE): cv.boolean},
        ),
        (SERVICE_START_TRANSACTION, lambda t, c: t.transaction(start=True), {}),
        (SERVICE_STOP_TRANSACTION, lambda t, c: t.transaction(start=False), {}),
    )
    for service, request, fields in requests:
        hass.services.async_register(
            DOMAIN, service, on_server(request), schema=vol.Schema({**device, **fields})
        )

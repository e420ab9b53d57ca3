"""Actions: set the site's charging or distribution mode, set a load's operating mode."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .const import DOMAIN
from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry
from .engine.model import Distribution, Mode, ModeSetting

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_MODE = "mode"
SERVICE_SET_CHARGING_MODE = "set_charging_mode"
SERVICE_SET_DISTRIBUTION_MODE = "set_distribution_mode"
SERVICE_SET_OPERATING_MODE = "set_operating_mode"
SERVICE_RESET_CHARGER = "reset_charger"

_SITE_SCHEMA = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, for every site)."""

    async def set_charging_mode(call: ServiceCall) -> None:
        coordinator = _site(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        settings = replace(
            coordinator.settings, charging_mode=Mode(call.data[ATTR_MODE])
        )
        await coordinator.async_update_settings(settings)

    async def set_distribution_mode(call: ServiceCall) -> None:
        coordinator = _site(hass, call.data[ATTR_CONFIG_ENTRY_ID])
        settings = replace(
            coordinator.settings, distribution=Distribution(call.data[ATTR_MODE])
        )
        await coordinator.async_update_settings(settings)

    async def set_operating_mode(call: ServiceCall) -> None:
        coordinator, load_id = _load(hass, call.data[ATTR_DEVICE_ID])
        await coordinator.async_set_load_settings(
            load_id, mode=ModeSetting(call.data[ATTR_MODE])
        )

    async def reset_charger(call: ServiceCall) -> None:
        coordinator, load_id = _load(hass, call.data[ATTR_DEVICE_ID])
        if load_id not in {evse.id for evse in coordinator.evses}:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_a_charger",
                translation_placeholders={"device_id": call.data[ATTR_DEVICE_ID]},
            )
        await coordinator.async_reset_charger(load_id)

    hass.services.async_register(
        DOMAIN,
        SERVICE_RESET_CHARGER,
        reset_charger,
        schema=vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string}),
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


def _site(hass: HomeAssistant, entry_id: str) -> DynamicOcppEvseCoordinator:
    """The coordinator of a loaded site, or a clear error."""
    entry: SiteConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="site_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="site_not_loaded",
            translation_placeholders={"site": entry.title},
        )
    return entry.runtime_data.coordinator


def _load(
    hass: HomeAssistant, device_id: str
) -> tuple[DynamicOcppEvseCoordinator, str]:
    """The coordinator and load id behind a load's device, or a clear error."""
    device = dr.async_get(hass).async_get(device_id)
    load_ids = (
        {key for domain, key in device.identifiers if domain == DOMAIN}
        if device
        else set()
    )
    # The site whose subentry the load is (a device's config entries are not asked: how a
    # device names its entry changed between Home Assistant versions).
    for entry in hass.config_entries.async_entries(DOMAIN):
        for load_id in load_ids & set(entry.subentries):
            return _site(hass, entry.entry_id), load_id
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="load_not_found",
        translation_placeholders={"device_id": device_id},
    )

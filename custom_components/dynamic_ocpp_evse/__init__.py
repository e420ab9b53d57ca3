"""Dynamic OCPP EVSE: dynamic load management for EV chargers and other loads."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN
from .coordinator import SiteConfigEntry, SiteRuntimeData, SiteSettings

PLATFORMS: list[Platform] = []


async def async_setup_entry(hass: HomeAssistant, entry: SiteConfigEntry) -> bool:
    """Set up a site from its config entry."""
    entry.runtime_data = SiteRuntimeData(
        settings=SiteSettings.from_entry_data(dict(entry.data))
    )
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=dr.DeviceEntryType.SERVICE,
        manufacturer="Dynamic OCPP EVSE",
        model="Site",
        name=entry.title,
    )
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SiteConfigEntry) -> bool:
    """Unload a site."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def _async_reload_on_update(hass: HomeAssistant, entry: SiteConfigEntry) -> None:
    """Reload the site when its data or its loads (subentries) change."""
    await hass.config_entries.async_reload(entry.entry_id)

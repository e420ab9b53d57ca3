"""Dynamic OCPP EVSE: dynamic load management for EV chargers and other loads."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import (
    DynamicOcppEvseCoordinator,
    SiteConfigEntry,
    SiteRuntimeData,
    async_remove_site_data,
)
from .entity import site_device
from .loads import KINDS, subentries_of
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SiteConfigEntry) -> bool:
    """Set up a site: its coordinator (the control loop), its device, its entities."""
    # First: a load added while the site sets up (the coordinator has read its subentries)
    # reloads it once the setup is done, instead of going unseen.
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_update))
    coordinator = DynamicOcppEvseCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = SiteRuntimeData(coordinator=coordinator)
    devices = dr.async_get(hass)
    site = devices.async_get_or_create(
        config_entry_id=entry.entry_id, **site_device(entry)
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Each load's device is reached through the site's (by id: `via_device` is deprecated).
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if site.id not in (device.id, device.via_device_id):
            devices.async_update_device(device.id, via_device_id=site.id)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SiteConfigEntry) -> bool:
    """Unload a site."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SiteConfigEntry) -> None:
    """Forget everything a removed site kept, and leave its loads without our commands."""
    for kind in KINDS:
        await kind.async_forget(hass, subentries_of(entry, kind))
    await async_remove_site_data(hass, entry)


async def _async_reload_on_update(hass: HomeAssistant, entry: SiteConfigEntry) -> None:
    """Reload the site when its data or its loads (subentries) change.

    Removed loads are let go between the unload and the setup (a charger that lost a connector
    is cleared: the clear takes every profile of the charger, and the setup reinstalls those of
    the connectors kept).
    """
    runtime = getattr(entry, "runtime_data", None)  # none while the first setup runs
    set_up = runtime.coordinator.subentries if runtime is not None else {}
    gone = {
        subentry_id: subentry
        for subentry_id, subentry in set_up.items()
        if subentry_id not in entry.subentries
    }
    if not gone:
        await hass.config_entries.async_reload(entry.entry_id)
        return
    await hass.config_entries.async_unload(entry.entry_id)
    for kind in KINDS:
        await kind.async_forget(
            hass,
            {i: s for i, s in gone.items() if s.subentry_type == kind.subentry_type},
        )
    await hass.config_entries.async_setup(entry.entry_id)

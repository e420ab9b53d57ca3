"""Which site, and which of its loads, an action is for: found, loaded, or a clear error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry


def site_of(hass: HomeAssistant, entry_id: str) -> DynamicOcppEvseCoordinator:
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


def load_of(
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
            return site_of(hass, entry.entry_id), load_id
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="load_not_found",
        translation_placeholders={"device_id": device_id},
    )

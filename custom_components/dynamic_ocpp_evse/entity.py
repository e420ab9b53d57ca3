"""Base entities: one for the site device, one for each load's device."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry
from .dispatch import LoadHealth
from .loads import kind_of

MANUFACTURER = "Dynamic OCPP EVSE"


def site_device(entry: SiteConfigEntry) -> DeviceInfo:
    """The site's device: the one every load's device is reached through."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=MANUFACTURER,
        model="Site",
        name=entry.title,
    )


class DynamicOcppEvseSiteEntity(CoordinatorEntity[DynamicOcppEvseCoordinator]):
    """An entity of the site device."""

    _attr_has_entity_name = True

    def __init__(
        self, coordinator: DynamicOcppEvseCoordinator, description: EntityDescription
    ) -> None:
        """Attach to the site device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = site_device(entry)


class DynamicOcppEvseLoadEntity(CoordinatorEntity[DynamicOcppEvseCoordinator]):
    """An entity of one load's device (a config subentry of the site)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: DynamicOcppEvseCoordinator,
        description: EntityDescription,
        load_id: str,
    ) -> None:
        """Attach to the load's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self.load_id = load_id
        entry = coordinator.config_entry
        subentry = entry.subentries[load_id]
        kind = kind_of(subentry.subentry_type)
        self._attr_unique_id = f"{load_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, load_id)},
            manufacturer=MANUFACTURER,
            model=kind.model if kind else subentry.subentry_type,
            name=subentry.title,
        )

    @property
    def available(self) -> bool:
        """Unavailable while the load itself cannot be reached."""
        data = self.coordinator.data
        return (
            super().available
            and data.health.get(self.load_id) is not LoadHealth.UNAVAILABLE
        )

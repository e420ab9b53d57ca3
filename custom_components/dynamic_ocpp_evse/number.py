"""Numbers: the site's import limit, buffer and excess threshold; each load's priority."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SiteConfigEntry
from .entity import DynamicOcppEvseLoadEntity, DynamicOcppEvseSiteEntity
from .settings import UserSettings

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SiteNumberDescription(NumberEntityDescription):
    """A site-wide limit stored in the user settings."""

    value_fn: Callable[[UserSettings], float]
    set_fn: Callable[[UserSettings, float], UserSettings]


def _power_limit(
    key: str,
    maximum: float,
    value_fn: Callable[[UserSettings], float],
    set_fn: Callable[[UserSettings, float], UserSettings],
) -> SiteNumberDescription:
    return SiteNumberDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        native_min_value=0,
        native_max_value=maximum,
        native_step=50,
        mode=NumberMode.BOX,
        value_fn=value_fn,
        set_fn=set_fn,
    )


SITE_NUMBERS: tuple[SiteNumberDescription, ...] = (
    _power_limit(
        "max_import_power",
        250_000,
        lambda s: s.max_import_w,
        lambda s, value: replace(s, max_import_w=value),
    ),
    _power_limit(
        "import_buffer",
        50_000,
        lambda s: s.import_buffer_w,
        lambda s, value: replace(s, import_buffer_w=value),
    ),
    _power_limit(
        "excess_threshold",
        250_000,
        lambda s: s.excess_threshold_w,
        lambda s, value: replace(s, excess_threshold_w=value),
    ),
)

PRIORITY = NumberEntityDescription(
    key="priority",
    translation_key="priority",
    entity_category=EntityCategory.CONFIG,
    native_min_value=1,
    native_max_value=99,
    native_step=1,
    mode=NumberMode.BOX,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SiteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's numbers, then each load's."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        SiteNumber(coordinator, description) for description in SITE_NUMBERS
    )
    for load_id in coordinator.load_ids:
        async_add_entities(
            [PriorityNumber(coordinator, PRIORITY, load_id)], config_subentry_id=load_id
        )


class SiteNumber(DynamicOcppEvseSiteEntity, NumberEntity):
    """A site-wide limit."""

    entity_description: SiteNumberDescription

    @property
    def native_value(self) -> float:
        """The limit in force."""
        return self.entity_description.value_fn(self.coordinator.settings)

    async def async_set_native_value(self, value: float) -> None:
        """Change the limit; the next cycle runs at once."""
        settings = self.entity_description.set_fn(self.coordinator.settings, value)
        await self.coordinator.async_update_settings(settings)


class PriorityNumber(DynamicOcppEvseLoadEntity, NumberEntity):
    """A load's priority: 1 is served first within its mode."""

    @property
    def native_value(self) -> int:
        """The load's priority."""
        return self.coordinator.load_settings(self.load_id).priority

    async def async_set_native_value(self, value: float) -> None:
        """Change the priority."""
        await self.coordinator.async_set_load_settings(
            self.load_id, priority=int(value)
        )

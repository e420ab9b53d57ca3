"""Numbers: the site's limits, each load's priority, a charger's own current range.

The site's import limit, buffer and excess threshold; a charger's minimum and maximum current
within the range it was set up with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry
from .entity import DynamicOcppEvseLoadEntity, DynamicOcppEvseSiteEntity
from .loads.ocpp_evse.driver import EvseDriver
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


@dataclass(frozen=True, kw_only=True)
class CurrentNumberDescription(NumberEntityDescription):
    """A charger's own minimum or maximum current, within the range it was set up with."""

    end: str  # "min_current_a" or "max_current_a"


CURRENT_LIMITS = tuple(
    CurrentNumberDescription(
        key=end,
        translation_key=end,
        end=end,
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_step=1,
        mode=NumberMode.BOX,
    )
    for end in ("min_current_a", "max_current_a")
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
        if isinstance(driver := coordinator.drivers[load_id], EvseDriver):
            async_add_entities(
                [
                    CurrentNumber(coordinator, description, driver)
                    for description in CURRENT_LIMITS
                ],
                config_subentry_id=load_id,
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


class CurrentNumber(DynamicOcppEvseLoadEntity, NumberEntity):
    """A charger's minimum or maximum current, between the limits it was set up with."""

    entity_description: CurrentNumberDescription

    def __init__(
        self,
        coordinator: DynamicOcppEvseCoordinator,
        description: CurrentNumberDescription,
        driver: EvseDriver,
    ) -> None:
        """Within the connector's configured range."""
        super().__init__(coordinator, description, driver.id)
        self._attr_native_min_value = driver.config.min_a
        self._attr_native_max_value = driver.config.max_a
        self._range = (driver.config.min_a, driver.config.max_a)

    @property
    def native_value(self) -> float:
        """The end of the range in force."""
        low, high = self.coordinator.load_settings(self.load_id).current_range(
            *self._range
        )
        return low if self.entity_description.end == "min_current_a" else high

    async def async_set_native_value(self, value: float) -> None:
        """Change it; the next cycle runs at once. The other end follows if crossed."""
        low, high = self.coordinator.load_settings(self.load_id).current_range(
            *self._range
        )
        if self.entity_description.end == "min_current_a":
            changes = {"min_current_a": value, "max_current_a": max(high, value)}
        else:
            changes = {"max_current_a": value, "min_current_a": min(low, value)}
        await self.coordinator.async_set_load_settings(self.load_id, **changes)

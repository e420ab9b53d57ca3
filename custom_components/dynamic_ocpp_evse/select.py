"""Selects: the site's charging and distribution modes, each load's operating mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SiteConfigEntry
from .engine.model import Distribution, Mode, ModeSetting
from .entity import DynamicOcppEvseLoadEntity, DynamicOcppEvseSiteEntity
from .loads import kind_of
from .loads.modes import ModeChoice
from .settings import UserSettings

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class SiteSelectDescription(SelectEntityDescription):
    """A site-wide choice stored in the user settings."""

    value_fn: Callable[[UserSettings], str]
    set_fn: Callable[[UserSettings, str], UserSettings]


SITE_SELECTS: tuple[SiteSelectDescription, ...] = (
    SiteSelectDescription(
        key="charging_mode",
        translation_key="charging_mode",
        options=[mode.value for mode in Mode],
        value_fn=lambda settings: settings.charging_mode.value,
        set_fn=lambda settings, option: replace(settings, charging_mode=Mode(option)),
    ),
    SiteSelectDescription(
        key="distribution_mode",
        translation_key="distribution_mode",
        entity_category=EntityCategory.CONFIG,
        options=[mode.value for mode in Distribution],
        value_fn=lambda settings: settings.distribution.value,
        set_fn=lambda settings, option: replace(
            settings, distribution=Distribution(option)
        ),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SiteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the site's selects, then each load's."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        SiteSelect(coordinator, description) for description in SITE_SELECTS
    )
    for load_id, subentry in entry.subentries.items():
        if load_id not in coordinator.load_ids or not (
            kind := kind_of(subentry.subentry_type)
        ):
            continue
        async_add_entities(
            [OperatingModeSelect(coordinator, _operating_mode(kind.modes), load_id)],
            config_subentry_id=load_id,
        )


class SiteSelect(DynamicOcppEvseSiteEntity, SelectEntity):
    """A site-wide mode."""

    entity_description: SiteSelectDescription

    @property
    def current_option(self) -> str:
        """The mode in force."""
        return self.entity_description.value_fn(self.coordinator.settings)

    async def async_select_option(self, option: str) -> None:
        """Change the mode; the next cycle runs at once."""
        settings = self.entity_description.set_fn(self.coordinator.settings, option)
        await self.coordinator.async_update_settings(settings)


def _operating_mode(modes: ModeChoice) -> OperatingModeDescription:
    return OperatingModeDescription(
        key="operating_mode",
        translation_key=modes.translation_key,
        options=[mode.value for mode in modes.options],
        modes=modes,
    )


@dataclass(frozen=True, kw_only=True)
class OperatingModeDescription(SelectEntityDescription):
    """A load's operating mode, in the words of its kind."""

    modes: ModeChoice


class OperatingModeSelect(DynamicOcppEvseLoadEntity, SelectEntity):
    """A load's own mode, or Follow site."""

    entity_description: OperatingModeDescription

    @property
    def current_option(self) -> str:
        """The load's mode setting, as its kind shows it."""
        mode = self.coordinator.load_settings(self.load_id).mode
        return self.entity_description.modes.shown(mode).value

    async def async_select_option(self, option: str) -> None:
        """Change the load's mode."""
        await self.coordinator.async_set_load_settings(
            self.load_id, mode=ModeSetting(option)
        )

"""Buttons: a charger's reset; Start now, Stop now and Resume on chargers and plugs."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry
from .engine.model import Override
from .entity import DynamicOcppEvseLoadEntity
from .loads.ocpp_evse.actions import async_reset_charger
from .loads.ocpp_evse.driver import EvseDriver
from .loads.plug.driver import PlugDriver

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OverrideDescription(ButtonEntityDescription):
    """A button that sets (or, with None, ends) a load's override."""

    override: Override | None


OVERRIDES = (
    OverrideDescription(
        key="start_now", translation_key="start_now", override=Override.START
    ),
    OverrideDescription(
        key="stop_now", translation_key="stop_now", override=Override.STOP
    ),
    OverrideDescription(key="resume", translation_key="resume", override=None),
)

RESET = ButtonEntityDescription(
    key="reset_charger",
    translation_key="reset_charger",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SiteConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A reset button on each charger connector; the overrides on chargers and plugs."""
    coordinator = entry.runtime_data.coordinator
    for load_id, driver in coordinator.drivers.items():
        if isinstance(driver, EvseDriver):
            async_add_entities(
                [ResetButton(coordinator, RESET, driver)], config_subentry_id=load_id
            )
        if isinstance(driver, EvseDriver | PlugDriver):
            async_add_entities(
                (
                    OverrideButton(coordinator, description, load_id)
                    for description in OVERRIDES
                ),
                config_subentry_id=load_id,
            )


class ResetButton(DynamicOcppEvseLoadEntity, ButtonEntity):
    """Clears the charger's profiles; the next cycle installs them anew."""

    def __init__(
        self,
        coordinator: DynamicOcppEvseCoordinator,
        description: ButtonEntityDescription,
        driver: EvseDriver,
    ) -> None:
        """For this connector's charger."""
        super().__init__(coordinator, description, driver.id)
        self._driver = driver

    async def async_press(self) -> None:
        """As the reset_charger action."""
        await async_reset_charger(self.coordinator, self._driver)


class OverrideButton(DynamicOcppEvseLoadEntity, ButtonEntity):
    """Start now, Stop now (over its mode until resumed, or its car leaves), or Resume."""

    entity_description: OverrideDescription

    async def async_press(self) -> None:
        """Set the override; the next cycle acts on it at once."""
        await self.coordinator.async_set_load_settings(
            self.load_id, override=self.entity_description.override
        )

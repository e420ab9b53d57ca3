"""Buttons: a charger's reset (its profiles cleared and installed anew)."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DynamicOcppEvseCoordinator, SiteConfigEntry
from .entity import DynamicOcppEvseLoadEntity
from .loads.ocpp_evse.actions import async_reset_charger
from .loads.ocpp_evse.driver import EvseDriver

PARALLEL_UPDATES = 1

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
    """A reset button on each charger connector."""
    coordinator = entry.runtime_data.coordinator
    for load_id, driver in coordinator.drivers.items():
        if isinstance(driver, EvseDriver):
            async_add_entities(
                [ResetButton(coordinator, RESET, driver)], config_subentry_id=load_id
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

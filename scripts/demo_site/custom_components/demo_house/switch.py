"""The demo house's smart plugs: what they draw shows up on the grid meters."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from . import DOMAIN, PLUGS, DemoHouse


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the plugs."""
    house: DemoHouse = hass.data[DOMAIN]
    async_add_entities(DemoPlug(house, key) for key in PLUGS)


class DemoPlug(SwitchEntity):
    """A smart plug with a load behind it."""

    _attr_should_poll = False

    def __init__(self, house: DemoHouse, key: str) -> None:
        self._house = house
        self._key = key
        self._attr_name = PLUGS[key][0]
        self._attr_unique_id = f"demo_plug_{key}"

    @property
    def is_on(self) -> bool:
        return self._house.plugs_on[self._key]

    async def async_turn_on(self, **kwargs: Any) -> None:
        self._house.plugs_on[self._key] = True
        self._house.tick_now()

    async def async_turn_off(self, **kwargs: Any) -> None:
        self._house.plugs_on[self._key] = False
        self._house.tick_now()

    async def async_added_to_hass(self) -> None:
        self._house.listeners.append(self.async_write_ha_state)

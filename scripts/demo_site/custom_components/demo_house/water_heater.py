"""The demo house's hot-water tank, as a water heater whose set-point can be raised."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from . import DOMAIN, DemoHouse


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the tank."""
    async_add_entities([DemoTank(hass.data[DOMAIN])])


class DemoTank(WaterHeaterEntity):
    """The tank: its temperature, and a set-point that its own thermostat follows."""

    _attr_should_poll = False
    _attr_name = "Hot water"
    _attr_unique_id = "demo_tank"
    _attr_supported_features = WaterHeaterEntityFeature.TARGET_TEMPERATURE
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_min_temp = 35.0
    _attr_max_temp = 75.0
    _attr_target_temperature_step = 1.0

    def __init__(self, house: DemoHouse) -> None:
        self._house = house

    @property
    def current_temperature(self) -> float:
        return round(self._house.tank.temperature_c, 1)

    @property
    def target_temperature(self) -> float:
        return self._house.tank.setpoint_c

    async def async_set_temperature(self, **kwargs: Any) -> None:
        self._house.tank.setpoint_c = float(kwargs[ATTR_TEMPERATURE])
        self._house.tick_now()

    async def async_added_to_hass(self) -> None:
        self._house.listeners.append(self.async_write_ha_state)

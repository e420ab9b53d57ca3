"""The demo house's meters (grid current per phase, solar production) and its clock."""

from __future__ import annotations

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType
from homeassistant.util import dt as dt_util

from . import DOMAIN, SPEED, DemoHouse


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Add the meters."""
    house: DemoHouse = hass.data[DOMAIN]
    async_add_entities(
        [
            *(GridMeter(house, phase) for phase in "ABC"),
            SolarMeter(house),
            SimulatedTime(house),
            SimulationSpeed(house),
        ]
    )


class DemoMeter(SensorEntity):
    """A meter that reports every tick, changed or not, like a real one."""

    _attr_should_poll = False
    _attr_state_class: SensorStateClass | None = SensorStateClass.MEASUREMENT

    def __init__(self, house: DemoHouse) -> None:
        self._house = house

    async def async_added_to_hass(self) -> None:
        self._house.listeners.append(self.async_write_ha_state)


class GridMeter(DemoMeter):
    """Signed current at the grid connection of one phase (+ import)."""

    _attr_device_class = SensorDeviceClass.CURRENT
    _attr_native_unit_of_measurement = UnitOfElectricCurrent.AMPERE
    _attr_suggested_display_precision = 2

    def __init__(self, house: DemoHouse, phase: str) -> None:
        super().__init__(house)
        self._phase = phase
        line = "ABC".index(phase) + 1
        self._attr_name = f"Grid current L{line}"
        self._attr_unique_id = f"demo_grid_current_l{line}"

    @property
    def native_value(self) -> float:
        return round(self._house.grid_a(dt_util.utcnow())[self._phase], 2)


class SolarMeter(DemoMeter):
    """Solar production."""

    _attr_device_class = SensorDeviceClass.POWER
    _attr_native_unit_of_measurement = UnitOfPower.WATT
    _attr_name = "Solar power"
    _attr_unique_id = "demo_solar_power"

    @property
    def native_value(self) -> float:
        return round(self._house.solar_w(dt_util.utcnow()))


class SimulatedTime(DemoMeter):
    """The time of day in the simulated house."""

    _attr_state_class = None
    _attr_name = "Simulated time"
    _attr_unique_id = "demo_simulated_time"
    _attr_icon = "mdi:clock-fast"

    @property
    def native_value(self) -> str:
        hour = self._house.hour(dt_util.utcnow())
        return f"{int(hour):02d}:{int(hour % 1 * 60):02d}"


class SimulationSpeed(DemoMeter):
    """How many simulated seconds pass in a real one (the control's delays shorten as much)."""

    _attr_name = "Simulation speed"
    _attr_unique_id = "demo_simulation_speed"
    _attr_native_unit_of_measurement = "×"
    _attr_icon = "mdi:fast-forward"

    @property
    def native_value(self) -> float:
        return SPEED

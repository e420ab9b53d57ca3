"""A heat pump (or air conditioner) as a thermal load, through the real `climate` platform:
a boost moves the user's own set-point by the offset and puts it back, remembering it across
a restart; a set-point the user changes is theirs.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACMode
from homeassistant.config_entries import ConfigSubentryData, SubentryFlowContext
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.loads.thermal.memory import async_get_memory

from .conftest import (
    SITE_DATA,
    FakeSite,
    add_test_entity,
    load_device,
    setup_site,
    state_of,
)

PUMP = {
    "heater_entity": "climate.heat_pump",
    "boost_offset": 1.5,
    "max_temperature": 23,
    "hysteresis": 1,
    "power": 2000,
    "phases": ["A"],
    "mode": "solar",
    "priority": 1,
}
PUMP_A = 2000 / 230


class HeatPump(ClimateEntity):
    """A heat pump that runs while the room is on the wrong side of its set-point."""

    _attr_has_entity_name = True
    _attr_name = "Heat pump"
    _attr_unique_id = "heat_pump"
    _attr_should_poll = False
    _attr_supported_features = ClimateEntityFeature.TARGET_TEMPERATURE
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_hvac_modes = [HVACMode.OFF, HVACMode.HEAT, HVACMode.COOL, HVACMode.AUTO]
    _attr_min_temp = 16.0
    _attr_max_temp = 30.0
    _attr_target_temperature_step = 0.5

    def __init__(self) -> None:
        """Heating, at the user's 20.5 °C."""
        self._attr_hvac_mode = HVACMode.HEAT
        self._attr_target_temperature = 20.5
        self._attr_current_temperature = 20.5
        self.rejecting: Exception | None = None
        self.writes: list[float] = []

    @property
    def running(self) -> bool:
        """Whether its compressor runs."""
        target = self._attr_target_temperature or 0.0
        current = self._attr_current_temperature or 0.0
        if self._attr_hvac_mode == HVACMode.HEAT:
            return current < target
        return self._attr_hvac_mode == HVACMode.COOL and current > target

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Take the set-point (or refuse it, as told)."""
        if self.rejecting is not None:
            raise self.rejecting
        self.writes.append(kwargs[ATTR_TEMPERATURE])
        self._attr_target_temperature = kwargs[ATTR_TEMPERATURE]
        self.async_write_ha_state()

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Heat, cool or off."""
        self._attr_hvac_mode = hvac_mode
        self.async_write_ha_state()

    def start(self, mode: HVACMode, celsius: float) -> None:
        """In this mode, the set-point and the room at this temperature."""
        self._attr_hvac_mode = mode
        self._attr_target_temperature = self._attr_current_temperature = celsius
        self.async_write_ha_state()

    def user_sets(self, celsius: float) -> None:
        """The user turns the dial."""
        self._attr_target_temperature = celsius
        self.async_write_ha_state()


class WholeDegreePump(HeatPump):
    """One that names no step and keeps whole degrees of whatever it is told."""

    _attr_target_temperature_step = None  # type: ignore[assignment]

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Rounded to a whole degree."""
        self.writes.append(kwargs[ATTR_TEMPERATURE])
        self._attr_target_temperature = float(round(kwargs[ATTR_TEMPERATURE] + 1e-9))
        self.async_write_ha_state()


class ForgetfulPump(HeatPump):
    """One that answers but keeps the set-point it had (a cloud device losing a write)."""

    losing = False

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Lost while told."""
        self.writes.append(kwargs[ATTR_TEMPERATURE])
        if not self.losing:
            self._attr_target_temperature = kwargs[ATTR_TEMPERATURE]
        self.async_write_ha_state()


@pytest.fixture
async def pump(hass: HomeAssistant) -> HeatPump:
    """The heat pump, through the real climate platform."""
    entity = HeatPump()
    await add_test_entity(hass, "climate", entity)
    assert hass.states.get("climate.heat_pump") is not None
    return entity


def _site(pump: dict[str, Any] | None = PUMP) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=tuple(
            ConfigSubentryData(
                data=pump,
                subentry_id="pump_id",  # type: ignore[typeddict-unknown-key]
                subentry_type="thermal",
                title="Heat pump",
                unique_id=pump["heater_entity"],
            )
            for pump in ([pump] if pump else [])
        ),
    )


async def _run(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    site: FakeSite,
    pump: HeatPump,
    seconds: float,
) -> None:
    """5 s cycles; the heat pump shows in the meter of phase A while it runs."""
    for _ in range(int(seconds // 5)):
        site.extra["A"] = PUMP_A if pump.running else 0.0
        site.report()
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _setpoint(hass: HomeAssistant) -> float:
    state = hass.states.get("climate.heat_pump")
    assert state is not None
    return float(state.attributes[ATTR_TEMPERATURE])


async def test_surplus_pre_heats_by_the_offset_and_the_set_point_comes_back(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(A=-20.0)  # 4.6 kW exported on phase A
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    assert pump.running
    assert state_of(hass, "sensor.heat_pump_temperature") == "20.5"
    assert state_of(hass, "sensor.heat_pump_boost_target") == "22.0"
    fake_site.set_house(A=3.0)  # a cloud: the boost would now come from the grid
    await _run(hass, freezer, fake_site, pump, 60)
    assert _setpoint(hass) == 20.5
    assert pump.writes == [22.0, 20.5]


async def test_cool_mode_pre_cools_below_the_user_set_point(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    pump.start(HVACMode.COOL, 24.0)
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.5
    await hass.services.async_call(
        "climate",
        "set_hvac_mode",
        {"entity_id": "climate.heat_pump", "hvac_mode": "off"},
        blocking=True,
    )
    await _run(hass, freezer, fake_site, pump, 10)
    assert _setpoint(hass) == 24.0  # switched off: no boost, the user's set-point back


@pytest.mark.parametrize("mode", [HVACMode.OFF, HVACMode.AUTO])
async def test_no_boost_where_it_means_nothing(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
    mode: HVACMode,
) -> None:
    pump.start(mode, 20.5)
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 120)
    assert pump.writes == []
    assert state_of(hass, "sensor.heat_pump_status") == "mode_off"


async def test_a_boost_never_sets_the_room_above_the_maximum(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    pump.start(HVACMode.HEAT, 22.0)
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 23.0  # 22 + 1.5, within the 23 °C maximum


async def test_a_set_point_the_user_changes_during_a_boost_is_theirs(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    # 6.9 kW exported on phase A: enough for a boost on top of its own heating to 21 °C.
    fake_site.set_house(A=-30.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    pump.user_sets(21.0)
    await _run(hass, freezer, fake_site, pump, 5)
    # Theirs: the boost has stopped, and starts again from it after its pause.
    assert _setpoint(hass) == 21.0
    await _run(hass, freezer, fake_site, pump, 300)
    assert _setpoint(hass) == 22.5  # the boost follows the user's new 21 °C
    fake_site.set_house(A=3.0)
    await _run(hass, freezer, fake_site, pump, 60)
    assert _setpoint(hass) == 21.0  # and theirs comes back, not the old 20.5


async def test_a_restart_mid_boost_puts_the_user_set_point_back(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The set-point under the boost was written down before the boost: after a restart
    it comes back, though the device shows only the boost."""
    fake_site.set_house(A=-20.0)
    entry = _site()
    await setup_site(hass, entry, background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    saved = hass_storage[f"{DOMAIN}.setpoints"]["data"]
    assert saved == {"climate.heat_pump": {"normal": 20.5, "boost": 22.0}}
    # Home Assistant stops mid-boost and starts again with no surplus.
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.data.pop(f"{DOMAIN}_setpoints")
    fake_site.set_house(A=3.0)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _run(hass, freezer, fake_site, pump, 10)
    assert _setpoint(hass) == 20.5
    assert hass_storage[f"{DOMAIN}.setpoints"]["data"] == {}


async def test_a_pump_that_refuses_its_set_point_stops_nothing_else(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(A=-20.0)
    pump.rejecting = HomeAssistantError("defrosting")
    await setup_site(hass, _site(), background=True)
    seen = set()
    for _ in range(18):
        await _run(hass, freezer, fake_site, pump, 5)
        seen.add(state_of(hass, "sensor.heat_pump_status"))
        assert state_of(hass, "sensor.home_status") == "ok"
    assert "command_failed" in seen
    pump.rejecting = None
    await _run(hass, freezer, fake_site, pump, 300)
    assert _setpoint(hass) == 22.0


async def test_a_removed_pump_gets_the_user_set_point_back(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(A=-20.0)
    entry = _site()
    await setup_site(hass, entry, background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    assert hass.config_entries.async_remove_subentry(entry, "pump_id")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _setpoint(hass) == 20.5


async def test_the_form_keeps_what_a_climate_device_uses(
    hass: HomeAssistant, fake_site: FakeSite, pump: HeatPump
) -> None:
    entry = _site(None)
    await setup_site(hass, entry)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "thermal"), context=SubentryFlowContext(source="user")
    )
    # The water heater's defaults (45 / 65 °C) do not stop a 23 °C maximum here.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**PUMP, "name": "Heat pump"}
    )
    assert result["type"] == "create_entry"
    (subentry,) = entry.subentries.values()
    assert subentry.data["boost_offset"] == 1.5
    assert "boost_temperature" not in subentry.data
    assert "normal_temperature" not in subentry.data
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_boost_the_device_rounds_is_still_ours(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    """20 + 1.5 is kept as 22 by a whole-degree device: that is our boost, not the user's
    new set-point; 20 comes back."""
    pump = WholeDegreePump()
    pump._attr_target_temperature = pump._attr_current_temperature = 20.0
    await add_test_entity(hass, "climate", pump)
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 180)
    assert _setpoint(hass) == 22.0
    saved = hass_storage[f"{DOMAIN}.setpoints"]["data"]
    assert saved == {"climate.heat_pump": {"normal": 20.0, "boost": 22.0}}
    assert pump.writes == [21.5]  # not written again every cycle
    fake_site.set_house(A=3.0)
    await _run(hass, freezer, fake_site, pump, 60)
    assert _setpoint(hass) == 20.0


async def test_a_device_switched_off_mid_boost_gets_the_user_set_point_later(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Off, it shows no set-point: the memory is kept until it shows one again."""
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    pump._attr_hvac_mode = HVACMode.OFF
    pump._attr_target_temperature = None
    pump.async_write_ha_state()
    fake_site.set_house(A=3.0)
    await _run(hass, freezer, fake_site, pump, 60)
    assert hass_storage[f"{DOMAIN}.setpoints"]["data"] != {}
    pump.start(HVACMode.HEAT, 22.0)  # back on, still at our boost
    await _run(hass, freezer, fake_site, pump, 10)
    assert _setpoint(hass) == 20.5


async def test_a_set_point_put_back_is_checked_until_the_device_shows_it(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    pump = ForgetfulPump()
    await add_test_entity(hass, "climate", pump)
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(), background=True)
    await _run(hass, freezer, fake_site, pump, 90)
    assert _setpoint(hass) == 22.0
    pump.losing = True
    fake_site.set_house(A=3.0)
    await _run(hass, freezer, fake_site, pump, 30)
    assert _setpoint(hass) == 22.0  # lost: the memory stays, it is told again
    assert pump.writes.count(20.5) >= 2
    pump.losing = False
    await _run(hass, freezer, fake_site, pump, 10)
    assert _setpoint(hass) == 20.5
    assert hass_storage[f"{DOMAIN}.setpoints"]["data"] == {}


async def test_a_boost_started_by_hand_ends_when_the_device_is_switched_off(
    hass: HomeAssistant,
    fake_site: FakeSite,
    pump: HeatPump,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(A=3.0)  # no surplus
    entry = _site()
    await setup_site(hass, entry, background=True)
    device = load_device(hass, entry.entry_id, "pump_id")
    await hass.services.async_call(
        DOMAIN, "start_boost", {"device_id": device.id}, blocking=True
    )
    assert _setpoint(hass) == 22.0
    pump.start(HVACMode.OFF, 20.5)
    await _run(hass, freezer, fake_site, pump, 10)
    pump.start(HVACMode.HEAT, 20.5)  # on again hours later: no boost from the grid
    await _run(hass, freezer, fake_site, pump, 60)
    assert _setpoint(hass) == 20.5


async def test_the_memory_is_one_for_loads_that_start_together(
    hass: HomeAssistant,
) -> None:
    memories = await asyncio.gather(*(async_get_memory(hass) for _ in range(3)))
    assert all(memory is memories[0] for memory in memories)

"""Thermal loads through Home Assistant's own services: a water heater entity of the real
`water_heater` platform (whose `set_temperature` converts units as in production), a boost
switch with a temperature sensor, and the house behind the meters.

The tank warms while its set-point is above its temperature (the meter sees it draw) and cools
slowly otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.config_entries import ConfigSubentryData, SubentryFlowContext
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.dynamic_ocpp_evse.const import DOMAIN

from .conftest import (
    BOILER,
    SITE_DATA,
    FakeSite,
    add_test_entity,
    load_device,
    plug_subentry,
    setup_site,
    state_of,
)

TANK = {
    "heater_entity": "water_heater.tank",
    "normal_temperature": 45,
    "boost_temperature": 65,
    "max_temperature": 70,
    "hysteresis": 3,
    "power": 3000,  # 13 A on phase A
    "phases": ["A"],
    "mode": "solar",
    "priority": 1,
}
TANK_A = 3000 / 230


class Tank(WaterHeaterEntity):
    """A hot-water tank: heats to its set-point at its power, cools slowly."""

    _attr_has_entity_name = True
    _attr_name = "Tank"
    _attr_unique_id = "tank"
    _attr_should_poll = False
    _attr_supported_features = WaterHeaterEntityFeature.TARGET_TEMPERATURE
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_min_temp = 30.0
    _attr_max_temp = 75.0
    _attr_target_temperature_step = 1.0

    def __init__(self) -> None:
        """At its normal set-point."""
        self._attr_target_temperature = 45.0
        self._attr_current_temperature = 45.0  # its own heating is off
        self._element = False
        self.rejecting: Exception | None = None
        self.writes: list[float | str] = []

    @property
    def heating(self) -> bool:
        """Whether its element is on: its thermostat switches it on 2 °C below the set-point
        and off at it."""
        target = self._attr_target_temperature or 0.0
        current = self._attr_current_temperature or 0.0
        self._element = current < target and (self._element or current < target - 2)
        return self._element

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Take the set-point (or refuse it, as told)."""
        if self.rejecting is not None:
            raise self.rejecting
        self.writes.append(kwargs[ATTR_TEMPERATURE])
        self._attr_target_temperature = kwargs[ATTR_TEMPERATURE]
        self.async_write_ha_state()

    def offer_modes(self, *modes: str) -> None:
        """From now on it has operation modes (the first is its current one)."""
        self._attr_supported_features |= WaterHeaterEntityFeature.OPERATION_MODE
        self._attr_operation_list = list(modes)
        self._attr_current_operation = modes[0]
        self.async_write_ha_state()

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        """Take the mode."""
        self.writes.append(operation_mode)
        self._attr_current_operation = operation_mode
        self.async_write_ha_state()

    def step(self, seconds: float, *, warming_c_per_s: float) -> None:
        """Time passes: heat while below the set-point, lose a little otherwise."""
        current = self._attr_current_temperature or 0.0
        if self.heating:
            current = min(
                current + warming_c_per_s * seconds,
                self._attr_target_temperature or current,
            )
        else:
            current -= 0.001 * seconds
        self._attr_current_temperature = round(current, 3)
        self.async_write_ha_state()


@pytest.fixture
async def tank(hass: HomeAssistant) -> Tank:
    """The tank, through the real water_heater platform."""
    entity = Tank()
    await add_test_entity(hass, "water_heater", entity)
    assert hass.states.get("water_heater.tank") is not None
    return entity


def _site(*loads: tuple[str, dict[str, Any]]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=tuple(
            ConfigSubentryData(
                data=data,
                subentry_id=f"{title.lower()}_id",  # type: ignore[typeddict-unknown-key]
                subentry_type="thermal",
                title=title,
                unique_id=data["heater_entity"],
            )
            for title, data in loads
        ),
    )


async def _run(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    site: FakeSite,
    tank: Tank | None,
    seconds: float,
    *,
    warming_c_per_s: float = 0.0,
) -> None:
    """5 s cycles; the tank's element shows in the meter of phase A while it heats."""
    for _ in range(int(seconds // 5)):
        if tank is not None:
            tank.step(5, warming_c_per_s=warming_c_per_s)
            site.extra["A"] = TANK_A if tank.heating else 0.0
        site.report()
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _setpoint(hass: HomeAssistant) -> float:
    state = hass.states.get("water_heater.tank")
    assert state is not None
    return float(state.attributes[ATTR_TEMPERATURE])


async def test_a_tank_stores_the_surplus_and_goes_back_when_it_goes(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    """Exported power raises the set-point to the boost; once the surplus is gone for the
    disable delay, the normal set-point is back."""
    fake_site.set_house(A=-20.0)  # 4.6 kW exported on phase A
    await setup_site(hass, _site(("Tank", TANK)), background=True)
    await _run(hass, freezer, fake_site, tank, 90)
    assert _setpoint(hass) == 65.0
    assert tank.heating
    assert state_of(hass, "sensor.tank_status") in ("surplus", "at_maximum")
    assert float(state_of(hass, "sensor.tank_temperature")) == pytest.approx(
        45, abs=0.2
    )
    assert state_of(hass, "sensor.tank_boost_target") == "65.0"
    energy = float(state_of(hass, "sensor.tank_energy"))
    await _run(hass, freezer, fake_site, tank, 60)  # a minute at 3 kW: 0.05 kWh
    assert float(state_of(hass, "sensor.tank_energy")) - energy == pytest.approx(
        0.05, abs=1e-3
    )
    fake_site.set_house(A=3.0)  # a cloud: the tank now heats from the grid
    await _run(hass, freezer, fake_site, tank, 240)
    assert _setpoint(hass) == 45.0
    assert tank.writes == [65.0, 45.0]  # each written once
    energy = float(state_of(hass, "sensor.tank_energy"))
    await _run(hass, freezer, fake_site, tank, 60)  # its own heating is not a boost's
    assert float(state_of(hass, "sensor.tank_energy")) == energy


async def test_no_boost_from_the_grid_in_standard_mode(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    await setup_site(
        hass, _site(("Tank", {**TANK, "mode": "standard"})), background=True
    )
    await _run(hass, freezer, fake_site, tank, 120)
    assert _setpoint(hass) == 45.0
    assert tank.writes == []


async def test_a_boost_ends_at_its_temperature_until_the_tank_cooled(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(("Tank", TANK)), background=True)
    await _run(hass, freezer, fake_site, tank, 90, warming_c_per_s=0.02)
    assert _setpoint(hass) == 65.0
    await _run(hass, freezer, fake_site, tank, 1200, warming_c_per_s=0.02)
    assert tank.writes == [65.0, 45.0]  # reached: the normal set-point while it is warm
    assert state_of(hass, "sensor.tank_status") == "mode_off"
    tank._attr_current_temperature = 63.0  # used a little: within the hysteresis
    await _run(hass, freezer, fake_site, tank, 120)
    assert _setpoint(hass) == 45.0
    tank._attr_current_temperature = 61.0  # cooled by more than 3 °C: wanted again
    await _run(hass, freezer, fake_site, tank, 120)
    assert _setpoint(hass) == 65.0


async def test_the_set_point_never_exceeds_the_maximum_nor_the_device(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    tank._attr_max_temp = 60.0  # the device goes no higher
    await setup_site(
        hass,
        _site(("Tank", {**TANK, "boost_temperature": 68, "max_temperature": 70})),
        background=True,
    )
    await _run(hass, freezer, fake_site, tank, 90)
    assert _setpoint(hass) == 60.0
    # Where the device stops, the boost ends: it is not kept on, drawing nothing, for 65 °C.
    await _run(hass, freezer, fake_site, tank, 900, warming_c_per_s=0.02)
    assert tank.writes == [60.0, 45.0]


async def test_a_boost_that_needs_its_operation_mode_gets_it_and_gives_it_back(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    tank.offer_modes("eco", "performance", "off")
    modes = {"normal_operation_mode": "eco", "boost_operation_mode": "performance"}
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(("Tank", {**TANK, **modes})), background=True)
    await _run(hass, freezer, fake_site, tank, 90)
    assert (state_of(hass, "water_heater.tank"), _setpoint(hass)) == ("performance", 65)
    fake_site.set_house(A=3.0)
    await _run(hass, freezer, fake_site, tank, 60)
    assert (state_of(hass, "water_heater.tank"), _setpoint(hass)) == ("eco", 45)
    assert tank.writes == ["performance", 65.0, "eco", 45.0]


async def test_a_mode_the_user_chose_is_theirs(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    """Performance chosen by hand at the normal set-point is not a boost of ours."""
    tank.offer_modes("eco", "performance", "off")
    modes = {"normal_operation_mode": "eco", "boost_operation_mode": "performance"}
    fake_site.set_house(A=3.0)  # no surplus
    await setup_site(hass, _site(("Tank", {**TANK, **modes})), background=True)
    await hass.services.async_call(
        "water_heater",
        "set_operation_mode",
        {"entity_id": "water_heater.tank", "operation_mode": "performance"},
        blocking=True,
    )
    await _run(hass, freezer, fake_site, tank, 60)
    assert state_of(hass, "water_heater.tank") == "performance"


async def test_a_water_heater_switched_off_is_never_boosted(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    tank.offer_modes("off", "eco", "performance")
    modes = {"normal_operation_mode": "eco", "boost_operation_mode": "performance"}
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(("Tank", {**TANK, **modes})), background=True)
    await _run(hass, freezer, fake_site, tank, 120)
    assert tank.writes == []
    assert state_of(hass, "water_heater.tank") == "off"


async def test_a_temperature_that_cannot_be_read_ends_the_boost(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    hass.states.async_set("sensor.tank_top", "50", {"unit_of_measurement": "°C"})
    fake_site.set_house(A=-20.0)
    await setup_site(
        hass,
        _site(("Tank", {**TANK, "temperature_sensor": "sensor.tank_top"})),
        background=True,
    )
    await _run(hass, freezer, fake_site, tank, 90)
    assert _setpoint(hass) == 65.0
    hass.states.async_set("sensor.tank_top", "unavailable")
    await _run(hass, freezer, fake_site, tank, 10)
    assert _setpoint(hass) == 45.0


async def test_a_tank_that_refuses_its_set_point_stops_nothing_else(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    tank.rejecting = HomeAssistantError("the tank is in legionella mode")
    await setup_site(hass, _site(("Tank", TANK)), background=True)
    seen = set()
    for _ in range(18):
        await _run(hass, freezer, fake_site, tank, 5)
        seen.add(state_of(hass, "sensor.tank_status"))
        assert state_of(hass, "sensor.home_status") == "ok"
    assert "command_failed" in seen
    tank.rejecting = None  # it takes it again: the boost starts once its pause is over
    await _run(hass, freezer, fake_site, tank, 300)
    assert _setpoint(hass) == 65.0


async def test_a_restart_that_finds_a_boost_left_over_restores_the_normal_set_point(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    tank._attr_target_temperature = 65.0  # boosted when Home Assistant stopped
    tank.async_write_ha_state()
    fake_site.set_house(A=3.0)  # no surplus now
    await setup_site(hass, _site(("Tank", TANK)), background=True)
    await _run(hass, freezer, fake_site, tank, 10)
    assert _setpoint(hass) == 45.0


async def test_a_removed_tank_gets_its_normal_set_point_back(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    entry = _site(("Tank", TANK))
    await setup_site(hass, entry, background=True)
    await _run(hass, freezer, fake_site, tank, 90)
    assert _setpoint(hass) == 65.0
    assert hass.config_entries.async_remove_subentry(entry, "tank_id")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _setpoint(hass) == 45.0


async def test_a_removed_site_leaves_its_tanks_at_their_normal_set_point(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    entry = _site(("Tank", TANK))
    await setup_site(hass, entry, background=True)
    await _run(hass, freezer, fake_site, tank, 90)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _setpoint(hass) == 45.0


async def test_a_boost_switch_runs_on_surplus_up_to_its_temperature(
    hass: HomeAssistant, fake_site: FakeSite, freezer: FrozenDateTimeFactory
) -> None:
    """A store that keeps its normal level itself; our switch adds the boost element."""
    fake_site.plugs["switch.store_boost"] = ("A", TANK_A)
    hass.states.async_set("switch.store_boost", "off")
    hass.states.async_set("sensor.store", "50", {"unit_of_measurement": "°C"})
    fake_site.set_house(A=-20.0)
    store = {
        **TANK,
        "heater_entity": "switch.store_boost",
        "temperature_sensor": "sensor.store",
    }
    del store["normal_temperature"]
    entry = _site(("Store", store))
    await setup_site(hass, entry, background=True)
    await _run(hass, freezer, fake_site, None, 90)
    assert state_of(hass, "switch.store_boost") == "on"
    hass.states.async_set("sensor.store", "65.2", {"unit_of_measurement": "°C"})
    await _run(hass, freezer, fake_site, None, 10)
    assert state_of(hass, "switch.store_boost") == "off"
    assert ("turn_off", "switch.store_boost") in fake_site.calls
    hass.states.async_set("sensor.store", "58", {"unit_of_measurement": "°C"})
    await _run(hass, freezer, fake_site, None, 240)
    assert state_of(hass, "switch.store_boost") == "on"
    assert hass.config_entries.async_remove_subentry(entry, "store_id")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, "switch.store_boost") == "off"


async def test_a_compressor_keeps_its_minimum_on_and_off_times(
    hass: HomeAssistant, fake_site: FakeSite, freezer: FrozenDateTimeFactory
) -> None:
    """A heat pump's boost relay: on for 5 minutes at least (the grid pays when the sun
    goes), then off for 10."""
    fake_site.plugs["switch.pump_boost"] = ("A", TANK_A)
    hass.states.async_set("switch.pump_boost", "off")
    hass.states.async_set("sensor.buffer", "40", {"unit_of_measurement": "°C"})
    fake_site.set_house(A=-20.0)
    pump = {
        **TANK,
        "heater_entity": "switch.pump_boost",
        "temperature_sensor": "sensor.buffer",
        "boost_temperature": 50,
        "max_temperature": 55,
        "min_on_time": 300,
        "min_off_time": 600,
    }
    del pump["normal_temperature"]
    await setup_site(hass, _site(("Pump", pump)), background=True)
    await _run(hass, freezer, fake_site, None, 90)
    assert state_of(hass, "switch.pump_boost") == "on"
    on_at = len(fake_site.calls)
    fake_site.set_house(A=3.0)  # the sun goes
    await _run(hass, freezer, fake_site, None, 150)
    assert state_of(hass, "switch.pump_boost") == "on"  # kept on, from the grid
    assert state_of(hass, "sensor.pump_status") == "holding_minimum"
    await _run(hass, freezer, fake_site, None, 120)
    assert state_of(hass, "switch.pump_boost") == "off"
    assert fake_site.calls[on_at:] == [("turn_off", "switch.pump_boost")]
    fake_site.set_house(A=-20.0)  # the sun is back: not before the 10 minutes
    await _run(hass, freezer, fake_site, None, 540)
    assert state_of(hass, "switch.pump_boost") == "off"
    await _run(hass, freezer, fake_site, None, 120)
    assert state_of(hass, "switch.pump_boost") == "on"


def _device_id(hass: HomeAssistant, load_id: str) -> str:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return str(load_device(hass, entry.entry_id, load_id).id)


async def test_a_boost_started_now_runs_from_the_grid_until_its_temperature(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=3.0)  # no surplus, and Standard mode: never a boost by itself
    await setup_site(
        hass, _site(("Tank", {**TANK, "mode": "standard"})), background=True
    )
    await _run(hass, freezer, fake_site, tank, 30)
    assert _setpoint(hass) == 45.0
    await hass.services.async_call(
        DOMAIN, "start_boost", {"device_id": _device_id(hass, "tank_id")}, blocking=True
    )
    assert _setpoint(hass) == 65.0
    await _run(hass, freezer, fake_site, tank, 1200, warming_c_per_s=0.02)
    assert tank.writes == [65.0, 45.0]  # until it got there, then its normal level


async def test_a_boost_stopped_now_stays_off_for_the_time_given(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank, freezer: FrozenDateTimeFactory
) -> None:
    fake_site.set_house(A=-20.0)
    await setup_site(hass, _site(("Tank", TANK)), background=True)
    await _run(hass, freezer, fake_site, tank, 90)
    assert _setpoint(hass) == 65.0
    await hass.services.async_call(
        DOMAIN,
        "stop_boost",
        {"device_id": _device_id(hass, "tank_id"), "duration": {"minutes": 30}},
        blocking=True,
    )
    assert _setpoint(hass) == 45.0
    # Surplus, but no boost (the tank's own element brings it back to 45 °C meanwhile).
    await _run(hass, freezer, fake_site, tank, 1750, warming_c_per_s=0.02)
    assert _setpoint(hass) == 45.0
    await _run(hass, freezer, fake_site, tank, 300)
    assert _setpoint(hass) == 65.0


async def test_only_a_thermal_load_can_be_boosted(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=(plug_subentry("Boiler", BOILER, "boiler_id"),),
    )
    await setup_site(hass, entry)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "start_boost",
            {"device_id": _device_id(hass, "boiler_id")},
            blocking=True,
        )
    assert raised.value.translation_key == "not_thermal"


async def _flow(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "thermal"),
        context=SubentryFlowContext(source="user"),
    )
    assert result["type"] == "form"
    return dict(result)


async def test_the_form_names_the_field_and_the_problem(
    hass: HomeAssistant, fake_site: FakeSite, tank: Tank
) -> None:
    entry = _site()
    await setup_site(hass, entry)
    hass.states.async_set("switch.store_boost", "off")
    hass.states.async_set("sensor.kitchen", "21", {"unit_of_measurement": "%"})
    form = {**TANK, "name": "Tank"}
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"boost_temperature": 75}, {"boost_temperature": "boost_above_maximum"}),
        ({"boost_temperature": 40}, {"boost_temperature": "boost_not_above_normal"}),
        (
            {"heater_entity": "switch.store_boost"},
            {"temperature_sensor": "temperature_needed"},
        ),
        (
            {"temperature_sensor": "sensor.kitchen"},
            {"temperature_sensor": "not_temperature"},
        ),
        ({"heater_entity": "water_heater.none"}, {"heater_entity": "entity_not_found"}),
        (
            {"boost_operation_mode": "turbo"},
            {
                "boost_operation_mode": "unknown_operation_mode",
                "normal_operation_mode": "normal_mode_needed",
            },
        ),
    ]
    for change, errors in cases:
        flow = await _flow(hass, entry)
        result = await hass.config_entries.subentries.async_configure(
            flow["flow_id"], {**form, **change}
        )
        assert result.get("errors") == errors, change
    flow = await _flow(hass, entry)
    result = await hass.config_entries.subentries.async_configure(flow["flow_id"], form)
    assert result["type"] == "create_entry"
    (subentry,) = entry.subentries.values()
    assert subentry.subentry_type == "thermal"
    assert subentry.data["boost_temperature"] == 65
    flow = await _flow(hass, entry)  # the same tank again
    result = await hass.config_entries.subentries.async_configure(flow["flow_id"], form)
    assert result.get("errors") == {"heater_entity": "already_managed"}
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)

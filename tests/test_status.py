"""What a load's status tells beside its reason: what binds it, and how long its timer has left."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.engine.state import ControlParams

from .conftest import FakeSite, run_cycles, setup_site


def _status(hass: HomeAssistant, entity_id: str) -> tuple[str, dict[str, Any]]:
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state, dict(state.attributes)


async def test_a_start_counts_down_while_the_surplus_holds(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The heater (Solar, 2.3 kW on B): 60 s of enable delay, then 180 s of disable delay
    once the sun has gone (the grid pays its minimum meanwhile)."""
    fake_site.set_house(B=-22.0, C=-10.0)  # 4.6 kW exported beside the boiler on A
    await setup_site(hass, mock_config_entry, background=True)
    await run_cycles(hass, freezer, fake_site, 20)
    state, attributes = _status(hass, "sensor.heater_status")
    assert state == "waiting_for_surplus"
    first = attributes["seconds_left"]
    assert 30 <= first <= 60
    await run_cycles(hass, freezer, fake_site, 20)
    assert _status(hass, "sensor.heater_status")[1]["seconds_left"] == first - 20
    await run_cycles(hass, freezer, fake_site, 60)
    state, attributes = _status(hass, "sensor.heater_status")
    assert state != "waiting_for_surplus"
    assert attributes["seconds_left"] is None
    fake_site.extra["B"] = 10.0  # it draws now
    fake_site.set_house(B=3.0, C=2.0)  # the sun goes: the grid pays its minimum
    await run_cycles(hass, freezer, fake_site, 30)
    state, attributes = _status(hass, "sensor.heater_status")
    assert state == "holding_minimum"
    assert 140 <= attributes["seconds_left"] <= 180


async def test_the_status_names_the_phase_that_binds(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The boiler (10 A on A) does not fit beside 20 A of house load on a 25 A breaker."""
    fake_site.set_house(A=20.0)
    await setup_site(hass, mock_config_entry, background=True)
    await run_cycles(hass, freezer, fake_site, 10)
    state, attributes = _status(hass, "sensor.boiler_status")
    assert (state, attributes["detail"]) == ("breaker", "A")
    assert attributes["seconds_left"] is None


async def test_a_status_reads_in_the_words_of_its_kind(
    hass: HomeAssistant, fake_site: FakeSite, mock_config_entry: MockConfigEntry
) -> None:
    """The same reason reads "On" for a plug running at its power, and "At its maximum
    current" for a charger; every state of each wording has its text."""
    await setup_site(hass, mock_config_entry)
    registry = er.async_get(hass)
    entry = registry.async_get("sensor.boiler_status")
    assert entry is not None
    assert entry.translation_key == "switched_status"
    texts = await async_get_translations(hass, "en", "entity", [DOMAIN])
    prefix = f"component.{DOMAIN}.entity.sensor"
    assert texts[f"{prefix}.switched_status.state.at_maximum"] == "On"
    assert texts[f"{prefix}.load_status.state.at_maximum"] == "At its maximum current"
    assert texts[f"{prefix}.thermal_status.state.mode_off"] == "No boost"
    state = hass.states.get("sensor.boiler_status")
    assert state is not None
    for key in ("load_status", "switched_status", "thermal_status"):
        for option in state.attributes["options"]:
            assert f"{prefix}.{key}.state.{option}" in texts, (key, option)


def test_a_faster_world_keeps_the_devices_timing() -> None:
    normal = ControlParams()
    fast = normal.faster(72)
    assert fast.enable_delay_s == normal.enable_delay_s / 72
    assert fast.rises_per_h == normal.rises_per_h * 72
    device = ("stale_timeout_s", "reaction_s", "ramp_a_per_s", "car_limit_after_s")
    assert [getattr(fast, name) for name in device] == [
        getattr(normal, name) for name in device
    ]

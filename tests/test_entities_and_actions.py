"""User settings through entities and actions; they survive a restart; diagnostics."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.diagnostics import (
    async_get_config_entry_diagnostics,
)

from .conftest import FakeSite, load_device, setup_site, state_of


async def _select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": entity_id, "option": option},
        blocking=True,
    )


async def _number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )


async def test_site_charging_mode_is_followed_by_loads(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    assert state_of(hass, "select.home_charging_mode") == "standard"
    await _select(hass, "select.home_charging_mode", "off")
    assert state_of(hass, "select.home_charging_mode") == "off"
    assert fake_site.calls[-1] == (
        "turn_off",
        "switch.boiler",
    )  # the boiler follows the site
    assert state_of(hass, "sensor.boiler_status") == "mode_off"
    assert (
        state_of(hass, "sensor.heater_status") == "waiting_for_surplus"
    )  # its own Solar mode


async def test_load_operating_mode_and_priority(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    await _select(hass, "select.boiler_operating_mode", "off")
    assert state_of(hass, "select.boiler_operating_mode") == "off"
    assert fake_site.calls[-1] == ("turn_off", "switch.boiler")
    await _number(hass, "number.heater_priority", 5)
    assert state_of(hass, "number.heater_priority") == "5"


async def test_a_plug_offers_the_modes_that_mean_something_for_it(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """No Eco for an on/off load (its minimum is its whole power): Eco set another way
    (the action) shows as On, which is what it does."""
    state = hass.states.get("select.boiler_operating_mode")
    assert state is not None
    assert state.attributes["options"] == [
        "follow_site",
        "off",
        "standard",
        "solar",
        "excess",
    ]
    device = load_device(hass, init_integration.entry_id, "boiler_id")
    await hass.services.async_call(
        DOMAIN,
        "set_operating_mode",
        {"device_id": device.id, "mode": "eco"},
        blocking=True,
    )
    assert state_of(hass, "select.boiler_operating_mode") == "standard"


async def test_import_limit_number_is_a_hard_limit(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    # House 6 A x 230 V = 1380 W; a 3000 W limit leaves less than the boiler's 2300 W.
    await _number(hass, "number.home_import_limit", 3000)
    assert state_of(hass, "number.home_import_limit") == "3000.0"
    assert fake_site.calls[-1] == ("turn_off", "switch.boiler")
    assert state_of(hass, "sensor.boiler_status") == "import_cap"
    await _number(hass, "number.home_import_buffer", 100)
    await _number(hass, "number.home_excess_threshold", 500)
    assert state_of(hass, "number.home_import_buffer") == "100.0"
    assert state_of(hass, "number.home_excess_threshold") == "500.0"


async def _press(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": entity_id}, blocking=True
    )


def _override(hass: HomeAssistant, load: str) -> tuple[str, Any]:
    state = hass.states.get(f"sensor.{load}_status")
    assert state is not None
    return state.state, state.attributes["override"]


async def test_start_now_and_stop_now_override_the_mode_until_resumed(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    """The heater waits for surplus in Solar mode: Start now runs it from the grid, Stop
    now keeps it off, Resume gives it back to its mode; a new mode ends an override."""
    assert _override(hass, "heater") == ("waiting_for_surplus", None)
    await _press(hass, "button.heater_start_now")
    assert state_of(hass, "switch.heater") == "on"
    assert _override(hass, "heater")[1] == "start_now"
    heater = hass.states.get("sensor.heater_status")
    assert heater is not None
    assert heater.attributes["source"] == "grid"  # no sun: the grid pays it
    await _press(hass, "button.heater_stop_now")
    assert state_of(hass, "switch.heater") == "off"
    assert _override(hass, "heater") == ("stopped_now", "stop_now")
    await _press(hass, "button.heater_resume")
    assert _override(hass, "heater") == ("waiting_for_surplus", None)
    await _press(hass, "button.heater_start_now")
    await _select(hass, "select.heater_operating_mode", "excess")
    assert _override(hass, "heater") == ("waiting_for_excess", None)
    assert state_of(hass, "switch.heater") == "off"


async def test_settings_survive_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    await _select(hass, "select.home_charging_mode", "eco")
    await _select(hass, "select.home_distribution_mode", "priority")
    await _select(hass, "select.heater_operating_mode", "excess")
    await _number(hass, "number.boiler_priority", 7)
    await _number(hass, "number.home_excess_threshold", 1500)
    await _press(hass, "button.boiler_stop_now")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, "select.home_charging_mode") == "eco"
    assert state_of(hass, "select.home_distribution_mode") == "priority"
    assert state_of(hass, "select.heater_operating_mode") == "excess"
    assert state_of(hass, "number.boiler_priority") == "7"
    assert state_of(hass, "number.home_excess_threshold") == "1500.0"
    assert _override(hass, "boiler") == ("stopped_now", "stop_now")


async def test_actions(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    await hass.services.async_call(
        DOMAIN,
        "set_charging_mode",
        {"config_entry_id": init_integration.entry_id, "mode": "solar"},
        blocking=True,
    )
    assert state_of(hass, "select.home_charging_mode") == "solar"
    await hass.services.async_call(
        DOMAIN,
        "set_distribution_mode",
        {"config_entry_id": init_integration.entry_id, "mode": "sequential_strict"},
        blocking=True,
    )
    assert state_of(hass, "select.home_distribution_mode") == "sequential_strict"
    device = load_device(hass, init_integration.entry_id, "boiler_id")
    await hass.services.async_call(
        DOMAIN,
        "set_operating_mode",
        {"device_id": device.id, "mode": "standard"},
        blocking=True,
    )
    assert state_of(hass, "select.boiler_operating_mode") == "standard"


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        (
            "set_charging_mode",
            {"config_entry_id": "nope", "mode": "eco"},
            "site_not_found",
        ),
        (
            "set_distribution_mode",
            {"config_entry_id": "nope", "mode": "shared"},
            "site_not_found",
        ),
        ("set_operating_mode", {"device_id": "nope", "mode": "eco"}, "load_not_found"),
    ],
)
async def test_actions_name_unknown_targets(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, service, data, blocking=True)
    assert err.value.translation_key == key


async def test_actions_refuse_an_unloaded_site(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    device = load_device(hass, init_integration.entry_id, "boiler_id")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "set_charging_mode",
            {"config_entry_id": init_integration.entry_id, "mode": "eco"},
            blocking=True,
        )
    assert err.value.translation_key == "site_not_loaded"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "set_operating_mode",
            {"device_id": device.id, "mode": "eco"},
            blocking=True,
        )


async def test_diagnostics(
    hass: HomeAssistant,
    fake_site: FakeSite,
    *,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
) -> None:
    """The last cycle, whole; names, entity ids and charger ids replaced consistently."""

    fake_site.report()  # with the clock frozen: every reading's age is 0
    await setup_site(hass, mock_config_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, mock_config_entry)
    text = str(diagnostics)
    for personal in ("Home", "Boiler", "Heater", "sensor.grid_current", "switch."):
        assert personal not in text
    entry = diagnostics["entry"]["data"]
    assert entry["grid_phase_a"] == "entity_1"
    assert diagnostics["subentries"]["boiler_id"]["data"]["switch_entity"] == "entity_4"
    assert diagnostics["plan"]["allocations"]["boiler_id"]["current_a"] == 10.0
    assert diagnostics == snapshot

"""The control loop in Home Assistant: meters move, plugs switch, the meter fails and recovers."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.dynamic_ocpp_evse.const import DOMAIN

from .conftest import (
    HEATER,
    METERS,
    SITE_DATA,
    FakeSite,
    plug_subentry,
    run_cycles,
    setup_site,
    state_of,
)


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 5
) -> None:
    """Let time pass; the coordinator's cycles run as background tasks."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


_run = run_cycles


async def test_continuous_plug_turns_on_and_off_with_the_breaker(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The boiler follows the site (Standard): it has room on phase A and is switched on.
    assert fake_site.calls == [("turn_on", "switch.boiler")]
    assert state_of(hass, "sensor.boiler_allocated_current") == "10.0"
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"
    # The heater is Solar and there is no surplus.
    assert state_of(hass, "sensor.heater_status") == "waiting_for_surplus"

    # An oven on phase A leaves less than the boiler's 10 A: off at the next cycle.
    fake_site.set_house(A=18.0)
    await _tick(hass, freezer)
    assert fake_site.calls[-1] == ("turn_off", "switch.boiler")
    assert state_of(hass, "sensor.boiler_status") == "breaker"
    assert float(state_of(hass, "sensor.home_grid_without_loads_phase_a")) == 18.0

    # The oven goes off: the boiler waits out its pause (180 s), then comes back.
    fake_site.set_house(A=2.0)
    await _run(hass, freezer, fake_site, 170)
    assert fake_site.calls[-1] == ("turn_off", "switch.boiler")
    await _run(hass, freezer, fake_site, 15)
    assert fake_site.calls[-1] == ("turn_on", "switch.boiler")


async def test_solar_plug_starts_after_the_enable_delay(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(
        A=-5.0, B=-10.0, C=-5.0
    )  # 4600 W export besides the boiler's own draw
    await _run(hass, freezer, fake_site, 55)
    assert ("turn_on", "switch.heater") not in fake_site.calls
    assert float(state_of(hass, "sensor.heater_available_current")) == 10.0
    await _run(hass, freezer, fake_site, 10)
    assert fake_site.calls[-1] == ("turn_on", "switch.heater")
    assert state_of(hass, "sensor.heater_status") == "at_maximum"
    assert float(state_of(hass, "sensor.home_managed_power")) == 4600.0


async def test_a_solar_plug_whose_device_finished_is_switched_off_and_tried_again(
    hass: HomeAssistant, fake_site: FakeSite, freezer: FrozenDateTimeFactory
) -> None:
    """A heater with a power monitor: once its tank is hot it stays on drawing nothing."""
    watts = {"unit_of_measurement": "W", "device_class": "power"}
    hass.states.async_set("sensor.heater_power", "2300", watts)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=(
            plug_subentry(
                "Heater", {**HEATER, "power_monitor": "sensor.heater_power"}, "heater"
            ),
        ),
    )
    await setup_site(hass, entry)
    fake_site.set_house(A=-5.0, B=-15.0, C=-5.0)
    await _run(hass, freezer, fake_site, 65)
    assert fake_site.calls[-1] == ("turn_on", "switch.heater")

    # The tank is hot: the heater is on and draws nothing. Half an hour later it is released.
    fake_site.plugs["switch.heater"] = ("B", 0.0)
    hass.states.async_set("sensor.heater_power", "0", watts)
    await _run(hass, freezer, fake_site, 1790)
    assert fake_site.calls[-1] == ("turn_on", "switch.heater")
    await _run(hass, freezer, fake_site, 15)
    assert fake_site.calls[-1] == ("turn_off", "switch.heater")
    assert state_of(hass, "sensor.heater_status") == "not_drawing"
    assert float(state_of(hass, "sensor.heater_allocated_current")) == 0.0

    # Half an hour after that it is tried again, and let go after a short probe.
    await _run(hass, freezer, fake_site, 1800)
    assert fake_site.calls[-1] == ("turn_on", "switch.heater")
    await _run(hass, freezer, fake_site, 130)
    assert fake_site.calls[-1] == ("turn_off", "switch.heater")
    assert state_of(hass, "sensor.heater_status") == "not_drawing"


async def test_stale_meter_means_safe_state_and_a_repair_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    issues = ir.async_get(hass)
    issue_id = f"meter_stale_{init_integration.entry_id}"
    fake_site.silent.add("sensor.grid_current_l2")
    hass.states.async_set(
        "sensor.grid_current_l2", "unavailable", {"unit_of_measurement": "A"}
    )
    await _tick(hass, freezer)
    assert state_of(hass, "sensor.home_status") == "meter_stale"
    assert state_of(hass, "sensor.home_export_without_loads") == "unknown"
    # Commands are held while the meter may come back; the repair waits as long.
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    await _run(hass, freezer, fake_site, 25)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "entities": "sensor.grid_current_l2 (unavailable)",
        "interval": "10",
    }
    # A continuous plug keeps its state while blind.
    assert fake_site.calls == [("turn_on", "switch.boiler")]
    assert state_of(hass, "sensor.boiler_status") == "meter_stale"

    fake_site.silent.clear()
    await _run(hass, freezer, fake_site, 5)
    assert state_of(hass, "sensor.home_status") == "ok"
    # The issue stays a minute after the meter is back, in case it goes again.
    await _run(hass, freezer, fake_site, 55)
    assert issues.async_get_issue(DOMAIN, issue_id) is not None
    await _run(hass, freezer, fake_site, 10)
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_a_flapping_meter_raises_no_issue_and_a_returning_fault_keeps_one(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Before: 11 creations and deletions of the issue a minute."""
    changes: list[str] = []

    @callback
    def _changed(event: Event[ir.EventIssueRegistryUpdatedData]) -> None:
        if event.data["issue_id"].startswith("meter_stale"):
            changes.append(event.data["action"])

    hass.bus.async_listen(ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, _changed)
    for cycle in range(24):  # two minutes: unavailable every other cycle
        if cycle % 2:
            fake_site.silent.add("sensor.grid_current_l2")
            hass.states.async_set(
                "sensor.grid_current_l2", "unavailable", {"unit_of_measurement": "A"}
            )
        else:
            fake_site.silent.clear()
        await _run(hass, freezer, fake_site, 5)
    assert changes == []

    # Gone for 30 s, back for 20 s, gone again: one issue all along, withdrawn a minute later.
    for silent_s, back_s in ((30, 20), (30, 0)):
        fake_site.silent.add("sensor.grid_current_l2")
        hass.states.async_set(
            "sensor.grid_current_l2", "unavailable", {"unit_of_measurement": "A"}
        )
        await _run(hass, freezer, fake_site, silent_s)
        fake_site.silent.clear()
        await _run(hass, freezer, fake_site, back_s)
    await _run(hass, freezer, fake_site, 65)
    assert changes == ["create", "remove"]


async def test_a_meter_that_stops_reporting_is_stale_25_s_after_its_last_report(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Its last state looks fine, but HA's last_reported says it is not live."""
    fake_site.silent.add("sensor.grid_current_l3")
    await _run(hass, freezer, fake_site, 20)
    assert state_of(hass, "sensor.home_status") == "ok"  # no rise, but not blind yet
    await _run(hass, freezer, fake_site, 5)
    assert state_of(hass, "sensor.home_status") == "meter_stale"
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"meter_stale_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "entities": "sensor.grid_current_l3 (last reported 25 s ago)",
        "interval": "10",
    }
    fake_site.silent.clear()
    await _run(hass, freezer, fake_site, 5)
    assert state_of(hass, "sensor.home_status") == "ok"


async def test_an_unchanged_meter_that_reports_is_live(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The same value written again moves last_reported: 10 minutes of it stay live."""
    await _run(hass, freezer, fake_site, 600)
    assert state_of(hass, "sensor.home_status") == "ok"


async def test_a_meter_interval_of_two_minutes_trusts_a_quiet_meter(
    hass: HomeAssistant, fake_site: FakeSite, freezer: FrozenDateTimeFactory
) -> None:
    """For meters that report only when their value changes, the user raises the interval."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={**SITE_DATA, "meter_interval": 120},
        unique_id="sensor.grid_current_l1",
    )
    await setup_site(hass, entry, background=True)
    fake_site.silent.update(METERS.values())
    await _run(hass, freezer, fake_site, 115)
    assert state_of(hass, "sensor.home_status") == "ok"
    await _run(hass, freezer, fake_site, 10)
    assert state_of(hass, "sensor.home_status") == "meter_stale"


async def test_unavailable_plug_does_not_stop_the_others(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.states.async_set("switch.heater", "unavailable")
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.heater_operating_mode", "option": "standard"},
        blocking=True,
    )
    await _tick(hass, freezer)
    assert state_of(hass, "sensor.heater_status") == "unavailable"
    assert state_of(hass, "sensor.heater_allocated_current") == "unavailable"
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"


async def test_switch_that_ignores_commands_is_reported(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.follow = False
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.heater_operating_mode", "option": "standard"},
        blocking=True,
    )
    await _run(hass, freezer, fake_site, 15)
    assert state_of(hass, "sensor.heater_status") == "not_following"
    assert fake_site.calls.count(("turn_on", "switch.heater")) >= 3


async def test_failed_command_is_reported(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.services.async_remove("switch", "turn_on")
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.heater_operating_mode", "option": "standard"},
        blocking=True,
    )
    assert state_of(hass, "sensor.heater_status") == "command_failed"
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"


async def test_meter_change_runs_a_cycle_without_waiting_for_the_tick(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.set_house(A=18.0)
    await _tick(hass, freezer, 1.5)  # the debounce, well before the 5 s tick
    assert fake_site.calls[-1] == ("turn_off", "switch.boiler")


async def test_missing_entity_is_a_repair_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    fake_site: FakeSite,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.states.async_remove("switch.heater")
    await _tick(hass, freezer)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"entity_missing_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "entities": "switch.heater",
    }

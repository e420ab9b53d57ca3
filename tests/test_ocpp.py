"""Chargers through the HA OCPP integration: discovery, profiles, sessions, verification.

The OCPP integration is faked the way it registers itself: a loaded config entry, a device per
charger (and per connector of a multi-connector charger), sensors with its unique ids, and its
actions with their fields. A fake car draws what the working profile allows, and the grid meters
see it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryData,
    SubentryFlowContext,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.engine.model import Evse, Phase

from .conftest import METERS, SITE_DATA, FakeSite, setup_site, state_of
from .fake_ocpp import RELEASES, FakeOcpp

EVSE = {
    "charge_point_id": "cp1",
    "connector_id": 1,
    "min_current": 6,
    "max_current": 16,
    "charger_max_current": 32,
    "line_1": "A",
    "line_2": "B",
    "line_3": "C",
    "rate_unit": "A",
    "stack_level": 3,
    "profile_validity": 180,
    "failsafe_current": 6,
    "mode": "follow_site",
    "priority": 1,
}


@pytest.fixture(params=RELEASES)
def ocpp(
    hass: HomeAssistant, fake_site: FakeSite, request: pytest.FixtureRequest
) -> FakeOcpp:
    """The fake OCPP integration (as each release names its entities) with charger cp1."""
    fake = FakeOcpp(hass, fake_site, release=request.param)
    fake.register()
    fake.add_charger("cp1")
    return fake


def _evse_entry(*evses: tuple[str, dict[str, Any]]) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=tuple(
            ConfigSubentryData(
                data=data,
                subentry_id=sid,
                subentry_type="evse",  # type: ignore[typeddict-unknown-key]
                title=sid,
                unique_id=f"{data['charge_point_id']}:{data['connector_id']}",
            )
            for sid, data in evses
        ),
    )


async def _run(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, ocpp: FakeOcpp, seconds: float
) -> None:
    """Let time pass in 5 s cycles; the chargers report after each tick, at its time.

    (conftest.run_cycles reports before the tick: the meters' readings are then a cycle old.)
    """
    for _ in range(int(seconds // 5)):
        freezer.tick(timedelta(seconds=5))
        ocpp.report()
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_whole_session(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Plug in, charge, lose the surplus, pause, resume, unplug: the exact payloads sent."""
    freezer.move_to("2026-06-01 12:00:00+00:00")
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    now = dt_util.utcnow()
    failsafe = ocpp.profiles[0].data
    assert failsafe == {
        "devid": "cp1",
        "conn_id": 1,
        "custom_profile": {
            "chargingProfileId": 1801,
            "stackLevel": 2,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
            },
        },
    }
    assert ocpp.profiles[1].data["custom_profile"] == {
        "chargingProfileId": 1901,
        "stackLevel": 3,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        # From a day back (a charger clock behind still applies it) to the validity ahead.
        "validTo": _iso(now + timedelta(seconds=180)),
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": _iso(now - timedelta(days=1)),
            "duration": 86400 + 180,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0.0}],
        },
    }
    assert state_of(hass, "sensor.car_status") == "no_car"

    # Plug in: a start goes straight to the minimum, then ramps 0.5 A/s.
    ocpp.set_status("cp1", 1, "Preparing")
    await _run(hass, freezer, ocpp, 5)
    assert ocpp.limits()[-1] == 6.0
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    assert ocpp.limits()[1:] == [6.0, 8.5, 11.0, 13.5, 16.0]
    assert state_of(hass, "sensor.car_allocated_current") == "16.0"
    # The car's own 16 A is not house load (docs/design.md §11, trap 1).
    assert float(
        state_of(hass, "sensor.home_grid_without_loads_phase_a")
    ) == pytest.approx(2.0)

    # Solar mode without surplus: the minimum is held for the disable delay, then a pause (0 A).
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charging_mode", "option": "solar"},
        blocking=True,
    )
    assert ocpp.limits()[-1] == 6.0
    assert state_of(hass, "sensor.car_status") == "holding_minimum"
    await _run(hass, freezer, ocpp, 180)
    assert ocpp.limits()[-1] == 0.0
    ocpp.set_status("cp1", 1, "SuspendedEVSE")

    # The sun comes back: after the pause and the enable delay it resumes at the minimum.
    ocpp.site.set_house(A=-10.0, B=-10.0, C=-10.0)
    await _run(hass, freezer, ocpp, 175)
    assert ocpp.limits()[-1] == 0.0
    await _run(hass, freezer, ocpp, 10)
    assert ocpp.limits()[-2:] == [6.0, 8.5]

    # Unplug: nothing more is allowed; no stop is counted.
    ocpp.set_status("cp1", 1, "Available")
    await _run(hass, freezer, ocpp, 5)
    assert ocpp.limits()[-1] == 0.0
    assert state_of(hass, "sensor.car_status") == "no_car"


async def test_a_frozen_grid_meter_is_found_out_when_the_car_changes(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """The meters keep reporting one value; the car's own draw drops 10 A and they do not."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 40)
    assert ocpp.limits()[-1] == 16.0
    ocpp.site.frozen = {
        entity: state.state
        for entity in METERS.values()
        if (state := hass.states.get(entity)) is not None
    }
    await _run(hass, freezer, ocpp, 150)  # long enough that nothing before it counts
    assert state_of(hass, "sensor.home_status") == "ok"

    ocpp.connectors["cp1", 1].car_max_a = 6.0  # the car tapers
    await _run(hass, freezer, ocpp, 15)
    assert state_of(hass, "sensor.home_status") == "ok"
    await _run(hass, freezer, ocpp, 10)
    assert state_of(hass, "sensor.home_status") == "meter_stale"
    assert state_of(hass, "sensor.car_status") == "meter_stale"
    assert ocpp.limits()[-1] == 6.0  # its failsafe current
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"meter_not_following_{entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "entities": ", ".join(METERS.values()),
        "amps": "3",
    }

    ocpp.site.frozen = {}  # the meter is back: it moves
    await _run(hass, freezer, ocpp, 5)
    assert state_of(hass, "sensor.home_status") == "ok"
    await _run(hass, freezer, ocpp, 60)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"meter_not_following_{entry_id}")
        is None
    )


async def test_profile_is_refreshed_before_it_lapses(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    sent = len(ocpp.working())
    await _run(hass, freezer, ocpp, 110)
    assert len(ocpp.working()) == sent  # nothing changed, nothing written
    await _run(hass, freezer, ocpp, 20)
    assert (
        len(ocpp.working()) == sent + 1
    )  # refreshed 60 s before the 180 s validity ends


async def test_charger_reboot_reinstalls_the_failsafe_profile(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    hass.states.async_set("sensor.cp1_status_connector", "unavailable")
    await _run(hass, freezer, ocpp, 5)
    assert state_of(hass, "sensor.car_status") == "unavailable"
    before = len(ocpp.profiles)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 5)
    resent = [
        c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[before:]
    ]
    assert resent[:2] == [1801, 1901]


async def test_restart_reinstalls_profiles(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles]
    assert ids == [1801, 1901, 1801, 1901]


async def test_watt_charger_and_one_phase_car(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """A W-only charger gets watts from the lines the car really uses."""
    ocpp.connectors["cp1", 1].car_lines = 1
    await setup_site(
        hass, _evse_entry(("car", {**EVSE, "rate_unit": "W"})), background=True
    )
    failsafe = ocpp.profiles[0].data["custom_profile"]["chargingSchedule"]
    assert failsafe["chargingRateUnit"] == "W"
    # The failsafe holds per line whatever the car's phases: watts for one line.
    assert failsafe["chargingSchedulePeriod"][0]["limit"] == 6 * 230
    ocpp.connectors[
        "cp1", 1
    ].obeys = False  # watts cannot be fed back into the fake's amps
    ocpp.connectors["cp1", 1].limit = 10.0
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 10)
    working = ocpp.working()[-1]["chargingSchedule"]
    assert working["chargingRateUnit"] == "W"
    assert working["chargingSchedulePeriod"][0]["limit"] == pytest.approx(
        float(state_of(hass, "sensor.car_allocated_current")) * 230 * 1
    )


async def test_two_connectors_share_the_charger(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    ocpp.add_charger("duo", connectors=2)
    left = {
        **EVSE,
        "charge_point_id": "duo",
        "connector_id": 1,
        "charger_max_current": 20,
    }
    right = {**left, "connector_id": 2}
    await setup_site(
        hass, _evse_entry(("left", left), ("right", right)), background=True
    )
    ocpp.set_status("duo", 1, "Charging")
    ocpp.set_status("duo", 2, "Charging")
    await _run(hass, freezer, ocpp, 40)
    assert state_of(hass, "sensor.left_allocated_current") == "10.0"
    assert state_of(hass, "sensor.right_allocated_current") == "10.0"
    assert state_of(hass, "sensor.left_status") == "charger"
    conn_ids = {c.data["conn_id"] for c in ocpp.profiles}
    assert conn_ids == {1, 2}


async def test_charger_that_ignores_limits_is_reported(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Current.Offered off the command: both profiles again, then *not following*.

    Meanwhile its excess draw is house load: the car itself gets nothing (0 A, sent every
    cycle) and the breaker stays protected.
    """
    ocpp.connectors["cp1", 1].obeys = False
    await setup_site(
        hass, _evse_entry(("car", {**EVSE, "max_current": 10})), background=True
    )
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 50)
    sent = len(ocpp.profiles)
    await _run(hass, freezer, ocpp, 30)  # 60 s after the last command
    resent = [
        c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]
    ]
    # The charger may have lost its profiles: both again. And the car draws above its
    # command, so the command goes out every cycle until it follows.
    assert resent.count(1801) == 1
    assert resent.count(1901) >= 5
    assert state_of(hass, "sensor.car_status") == "breaker"
    assert state_of(hass, "sensor.car_allocated_current") == "0.0"
    # Still off a grace period after the last write (a refresh comes in between).
    await _run(hass, freezer, ocpp, 125)
    assert state_of(hass, "sensor.car_status") == "not_following"
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"not_following_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"site": "Home", "loads": "car"}
    ocpp.connectors[
        "cp1", 1
    ].obeys = True  # fixed: it follows the next command and the issue goes
    ocpp.connectors["cp1", 1].limit = 10.0
    await _run(hass, freezer, ocpp, 5)
    assert state_of(hass, "sensor.car_status") != "not_following"
    await _run(hass, freezer, ocpp, 60)  # the issue lingers a minute after the fault
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"not_following_{entry.entry_id}")
        is None
    )


async def test_removing_a_charger_leaves_it_without_our_limits(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Removed: its profiles are cleared; the other connector of the charger gets its own
    back at once (the OCPP integration's clear takes every profile of the charger)."""
    ocpp.add_charger("duo", connectors=2)
    left = {**EVSE, "charge_point_id": "duo", "connector_id": 1}
    entry = _evse_entry(
        ("left", left), ("right", {**left, "connector_id": 2}), ("car", EVSE)
    )
    await setup_site(hass, entry, background=True)
    sent = len(ocpp.profiles)
    hass.config_entries.async_remove_subentry(entry, "left")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [call.data["devid"] for call in ocpp.clears] == ["duo"]
    reinstalled = [
        (
            c.data["devid"],
            c.data["conn_id"],
            c.data["custom_profile"]["chargingProfileId"],
        )
        for c in ocpp.profiles[sent:]
    ]
    assert ("duo", 2, 1802) in reinstalled
    assert ("duo", 2, 1902) in reinstalled
    assert not [r for r in reinstalled if r[:2] == ("duo", 1)]

    # The whole site goes: every charger it drove is cleared, one that is away is not asked.
    ocpp.offline.add("cp1")
    ocpp.set_status("cp1", 1, "Unavailable")
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert [call.data["devid"] for call in ocpp.clears] == ["duo", "duo"]


async def test_reset_charger_action(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    device = _device(hass, entry, "car")
    before = len(ocpp.profiles)
    await hass.services.async_call(
        DOMAIN, "reset_charger", {"device_id": device.id}, blocking=True
    )
    assert [c.data for c in ocpp.clears] == [{"devid": "cp1"}]
    ids = [
        c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[before:]
    ]
    assert ids == [1801, 1901]


async def test_reset_button(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """The button on the connector's device does what the action does."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    before = len(ocpp.profiles)
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.car_reset_charging_profiles"},
        blocking=True,
    )
    assert [c.data for c in ocpp.clears] == [{"devid": "cp1"}]
    ids = [
        c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[before:]
    ]
    assert ids == [1801, 1901]


def _status_and_override(hass: HomeAssistant) -> tuple[str, Any]:
    status = hass.states.get("sensor.car_status")
    assert status is not None
    return status.state, status.attributes["override"]


async def test_stop_now_holds_the_car_until_it_leaves(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Stop now sends 0 A and keeps it while the car stays (an offline charger ends
    nothing); unplugging ends it, and the next car charges as the mode says."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 20)
    assert ocpp.limits()[-1] > 6.0
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.car_stop_now"}, blocking=True
    )
    assert ocpp.limits()[-1] == 0.0
    ocpp.set_status("cp1", 1, "SuspendedEVSE")
    await _run(hass, freezer, ocpp, 30)
    assert state_of(hass, "sensor.car_status") == "stopped_now"
    for away in (
        "unavailable",
        "Faulted",
    ):  # offline, then a fault: the car is still there
        ocpp.set_status("cp1", 1, away)
        await _run(hass, freezer, ocpp, 10)
        ocpp.set_status("cp1", 1, "SuspendedEVSE")
        await _run(hass, freezer, ocpp, 10)
        assert state_of(hass, "sensor.car_status") == "stopped_now"
        assert ocpp.limits()[-1] == 0.0

    ocpp.set_status("cp1", 1, "Available")
    await _run(hass, freezer, ocpp, 5)
    assert _status_and_override(hass) == ("no_car", None)
    ocpp.set_status("cp1", 1, "Preparing")
    await _run(hass, freezer, ocpp, 5)
    assert ocpp.limits()[-1] == 6.0  # Standard again: a start at the minimum


async def test_an_override_ends_when_the_car_left_during_a_restart(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Who was plugged in is kept with the settings: a car gone after the restart ends it."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 10)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.car_start_now"}, blocking=True
    )
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    ocpp.set_status("cp1", 1, "Available")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _run(hass, freezer, ocpp, 5)
    assert _status_and_override(hass) == ("no_car", None)


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("restart_charger", {"hard": True}),
        ("set_connector_availability", {"available": False}),
        ("start_transaction", {}),
        ("stop_transaction", {}),
    ],
)
async def test_server_actions_refuse_a_charger_of_the_ocpp_integration(
    hass: HomeAssistant,
    ocpp: FakeOcpp,
    freezer: FrozenDateTimeFactory,
    service: str,
    data: dict[str, Any],
) -> None:
    """Only a charger on the site's own server can be asked these: a clear error otherwise."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    device = _device(hass, entry, "car")
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, service, {"device_id": device.id, **data}, blocking=True
        )
    assert raised.value.translation_key == "not_on_server"


async def test_missing_ocpp_integration_is_a_repair_issue(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    entry = _evse_entry(("car", EVSE))
    hass.services.async_remove("ocpp", "set_charge_rate")
    await setup_site(hass, entry, background=True)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"ocpp_missing_{entry.entry_id}")
    assert state_of(hass, "sensor.car_status") == "command_failed"


async def test_reconnection_reinstalls_both_profiles(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """The reconnection counter is all the OCPP integration shows of a reboot."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    sent = len(ocpp.profiles)
    ocpp.reconnect("cp1")
    await _run(hass, freezer, ocpp, 5)
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]]
    assert ids == [1801, 1901]


async def test_charger_offline_gets_nothing_and_comes_back(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """A call the OCPP integration refuses (charger away): unavailable, then both again."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    ocpp.offline.add("cp1")
    ocpp.site.set_house(A=20.0)  # a decrease is due: the call fails
    await _run(hass, freezer, ocpp, 5)
    assert state_of(hass, "sensor.car_status") == "unavailable"
    sent = len(ocpp.profiles)
    ocpp.offline.clear()
    await _run(hass, freezer, ocpp, 5)  # the failsafe; the working one when seen again
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]]
    assert ids == [1801]
    await _run(hass, freezer, ocpp, 5)
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]]
    assert ids[:2] == [1801, 1901]


async def test_the_user_narrows_a_chargers_current_range(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Within the 6-16 A it was set up with; the other end follows when crossed."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    assert ocpp.limits()[-1] == 16.0
    assert state_of(hass, "number.car_maximum_current") == "16.0"
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.car_maximum_current", "value": 10},
        blocking=True,
    )
    await _run(hass, freezer, ocpp, 10)
    assert ocpp.limits()[-1] == 10.0
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.car_minimum_current", "value": 12},
        blocking=True,
    )
    assert state_of(hass, "number.car_maximum_current") == "12.0"
    await _run(hass, freezer, ocpp, 60)
    assert ocpp.limits()[-1] == 12.0
    assert await hass.config_entries.async_reload(
        entry.entry_id
    )  # kept across a restart
    await hass.async_block_till_done()
    assert state_of(hass, "number.car_minimum_current") == "12.0"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.car_maximum_current", "value": 20},
            blocking=True,
        )


def _held(hass: HomeAssistant, entry: MockConfigEntry, load_id: str) -> float:
    """What the last cycle held for a connector it could not reach."""
    loads = entry.runtime_data.coordinator.data.snapshot.loads
    return float(next(load.holds_a for load in loads if load.id == load_id))


async def test_a_charger_the_ocpp_integration_cannot_reach_is_held(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Its sensors keep their last values (the integration does not mark them
    unavailable): a refused call says it is away, and its limit is held until it answers."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    assert _held(hass, entry, "car") == 0.0
    assert state_of(hass, "sensor.car_power") == "11040.0"  # 16 A on 3 lines at 230 V
    ocpp.offline.add("cp1")
    ocpp.site.set_house(A=12.0)  # a decrease to 13 A is due: the call fails
    await _run(hass, freezer, ocpp, 10)
    assert _held(hass, entry, "car") == 16.0
    assert state_of(hass, "sensor.car_power") == "unavailable"
    ocpp.offline.clear()
    sent = len(ocpp.profiles)
    await _run(hass, freezer, ocpp, 30)
    assert _held(hass, entry, "car") == 0.0
    # Back: the failsafe at once, the working profile once a cycle has seen the car again.
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]]
    assert ids[:2] == [1801, 1901]
    assert ocpp.limits()[-1] == 12.0


async def test_a_connector_whose_status_is_unavailable_is_held(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """'unavailable' is no status: the charger may let a car draw its limit."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    hass.states.async_set("sensor.cp1_status_connector", "unavailable")
    await _run(hass, freezer, ocpp, 5)
    assert _held(hass, entry, "car") == 16.0


async def test_an_error_inside_the_ocpp_integration_stays_with_its_charger(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Any exception from the OCPP integration: the charger is 'command failed', the site
    runs on, and both profiles go out again once the calls work."""
    await setup_site(hass, _evse_entry(("car", EVSE)), background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    ocpp.raising = IndexError("list index out of range")
    ocpp.site.set_house(A=12.0)  # a decrease to 13 A is due: the call raises
    await _run(hass, freezer, ocpp, 5)
    assert state_of(hass, "sensor.car_status") == "command_failed"
    assert state_of(hass, "sensor.home_status") == "ok"
    sent = len(ocpp.profiles)
    ocpp.raising = None
    await _run(hass, freezer, ocpp, 15)
    ids = [c.data["custom_profile"]["chargingProfileId"] for c in ocpp.profiles[sent:]]
    assert ids[:2] == [1801, 1901]
    assert ocpp.limits()[-1] == 13.0
    assert state_of(hass, "sensor.car_status") == "breaker"


async def test_a_restart_keeps_a_charging_car_going_while_the_meters_come_up(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Before: the car was sent 0 A at every restart whose meters came up late."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 40)
    assert ocpp.limits()[-1] == 16.0

    await hass.config_entries.async_unload(entry.entry_id)
    for entity_id in METERS.values():  # the meters' integration is not up yet
        hass.states.async_remove(entity_id)
    ocpp.site.silent.update(METERS.values())
    sent = len(ocpp.profiles)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(11):  # 55 s
        freezer.tick(timedelta(seconds=5))
        ocpp.report()
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    working = [
        c.data["custom_profile"]["chargingSchedule"]["chargingSchedulePeriod"][0][
            "limit"
        ]
        for c in ocpp.profiles[sent:]
        if c.data["custom_profile"]["chargingProfileId"] == 1901
    ]
    assert working and set(working) == {16.0}
    issue_id = f"meter_stale_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    ocpp.site.silent.clear()
    await _run(hass, freezer, ocpp, 10)
    assert state_of(hass, "sensor.home_status") == "ok"
    assert ocpp.limits()[-1] == 16.0


async def test_reset_reinstalls_every_connector_of_the_charger(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """The OCPP integration clears every profile of a charger, not only one connector's."""
    ocpp.add_charger("duo", connectors=2)
    left = {**EVSE, "charge_point_id": "duo", "connector_id": 1}
    entry = _evse_entry(("left", left), ("right", {**left, "connector_id": 2}))
    await setup_site(hass, entry, background=True)
    device = _device(hass, entry, "left")
    sent = len(ocpp.profiles)
    await hass.services.async_call(
        DOMAIN, "reset_charger", {"device_id": device.id}, blocking=True
    )
    assert [c.data for c in ocpp.clears] == [{"devid": "duo"}]
    resent = {
        (c.data["conn_id"], c.data["custom_profile"]["chargingProfileId"])
        for c in ocpp.profiles[sent:]
    }
    assert resent == {(1, 1801), (1, 1901), (2, 1802), (2, 1902)}


async def test_after_a_reset_every_connector_of_the_charger_may_take_its_maximum(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Until their profiles are back, a silent charger's connectors are held at its own
    maximum (32 A), not at the failsafe the clear removed: the sibling too."""
    ocpp.add_charger("duo", connectors=2)
    left = {**EVSE, "charge_point_id": "duo", "connector_id": 1}
    entry = _evse_entry(("left", left), ("right", {**left, "connector_id": 2}))
    await setup_site(hass, entry, background=True)
    ocpp.raising = HomeAssistantError(
        "lost"
    )  # the clear goes through, nothing after it
    await hass.services.async_call(
        DOMAIN,
        "reset_charger",
        {"device_id": _device(hass, entry, "left").id},
        blocking=True,
    )
    drivers = entry.runtime_data.coordinator.drivers
    later = dt_util.utcnow() + timedelta(days=1)
    assert [drivers[c].actuator.holds_a(later) for c in ("left", "right")] == [
        32.0,
        32.0,
    ]


async def test_reset_of_an_offline_charger_is_refused(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """Not connected since the OCPP integration started: it would clear another charger."""
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    hass.states.async_set("sensor.cp1_status_connector", "unavailable")
    device = _device(hass, entry, "car")
    with pytest.raises(HomeAssistantError, match="unavailable"):
        await hass.services.async_call(
            DOMAIN, "reset_charger", {"device_id": device.id}, blocking=True
        )
    assert ocpp.clears == []


async def test_missing_entities_are_a_repair_issue(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """A charger without Current.Import, and one the OCPP integration does not know."""
    er.async_get(hass).async_remove("sensor.cp1_current_import")
    entry = _evse_entry(("car", EVSE), ("other", {**EVSE, "charge_point_id": "gone"}))
    await setup_site(hass, entry, background=True)
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"ocpp_entities_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "details": "car (cp1): Current.Import; "
        "other: the OCPP integration has no charger gone",
    }
    assert state_of(hass, "sensor.other_status") == "unavailable"


# --- the charger subentry flow ------------------------------------------------------------

FLOW_INPUT = {
    "name": "Garage",
    "charge_point_id": "cp1",
    "connector_id": 1,
    "min_current": 6,
    "max_current": 16,
    "charger_max_current": 32,
    "line_1": "B",
    "line_2": "C",
    "line_3": "A",
    "rate_unit": "auto",
    "stack_level": 0,
    "profile_validity": 180,
    "failsafe_current": 0,
}


def _device(
    hass: HomeAssistant, entry: MockConfigEntry, load_id: str
) -> dr.DeviceEntry:
    """The device of one of the site's loads."""
    return next(
        d
        for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, load_id) in d.identifiers
    )


def _suggested(form: Any, field: str) -> Any:
    """The value a form suggests for a field."""
    for key in form["data_schema"].schema:
        if str(key) == field:
            return (key.description or {}).get("suggested_value")
    raise AssertionError(f"no field {field}")


async def _start_evse(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str | None = None
) -> Any:
    context: SubentryFlowContext = {"source": "user"}
    if subentry_id is not None:
        context = {"source": "reconfigure", "subentry_id": subentry_id}
    return await hass.config_entries.subentries.async_init(
        (entry.entry_id, "evse"), context=context
    )


async def test_add_charger_detects_unit_and_stack_level(
    hass: HomeAssistant, ocpp: FakeOcpp, init_integration: MockConfigEntry
) -> None:
    result = await _start_evse(hass, init_integration)
    assert result["type"] == "form"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], FLOW_INPUT
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    subentry = next(
        s for s in init_integration.subentries.values() if s.title == "Garage"
    )
    assert subentry.unique_id == "cp1:1"
    assert subentry.data["rate_unit"] == "A"
    assert subentry.data["stack_level"] == 8
    assert (
        subentry.data["current_step"] == 1.0
    )  # whole amps unless the user says otherwise
    # Phase rotation: the charger's L1 is on B.
    assert (
        subentry.data["line_1"],
        subentry.data["line_2"],
        subentry.data["line_3"],
    ) == ("B", "C", "A")
    assert state_of(hass, "sensor.garage_status") == "no_car"
    assert subentry.data["car_phases"] == "auto"  # learned from the last session


async def test_a_charger_set_to_one_phase_cars_tells_the_engine(
    hass: HomeAssistant, ocpp: FakeOcpp, init_integration: MockConfigEntry
) -> None:
    result = await _start_evse(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FLOW_INPUT, "car_phases": "1"}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    coordinator = init_integration.runtime_data.coordinator
    await coordinator.async_refresh()
    garage = next(
        load
        for load in coordinator.data.snapshot.loads
        if isinstance(load, Evse) and load.wired == (Phase.B, Phase.C, Phase.A)
    )
    assert garage.car_lines == 1


async def test_detection_failure_lets_the_user_choose(
    hass: HomeAssistant, ocpp: FakeOcpp, init_integration: MockConfigEntry
) -> None:
    """A charger that knows neither key: the flow asks, with amps chosen for the unit."""
    ocpp.configuration = {}
    result = await _start_evse(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], FLOW_INPUT
    )
    assert result["errors"] == {
        "rate_unit": "unit_unknown",
        "stack_level": "detection_failed",
    }
    assert _suggested(result, "rate_unit") == "A"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FLOW_INPUT, "rate_unit": "W", "stack_level": 2}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=5)
    )  # let debounces end
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"min_current": 20}, {"min_current": "min_above_max"}),
        ({"failsafe_current": 3}, {"failsafe_current": "failsafe_out_of_range"}),
        ({"max_current": 40}, {"max_current": "above_charger_max"}),
        ({"connector_id": "nan"}, {"connector_id": "not_finite"}),
        ({"failsafe_current": "nan"}, {"failsafe_current": "not_finite"}),
        ({"name": "x" * 10_000}, {"name": "name_too_long"}),
        ({"name": "   "}, {"name": "name_empty"}),
    ],
)
async def test_charger_errors_name_the_field(
    hass: HomeAssistant,
    ocpp: FakeOcpp,
    init_integration: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await _start_evse(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FLOW_INPUT, **changes}
    )
    assert result["errors"] == errors


async def test_charger_added_twice(
    hass: HomeAssistant, ocpp: FakeOcpp, init_integration: MockConfigEntry
) -> None:
    for expected in ("create_entry", "form"):
        result = await _start_evse(hass, init_integration)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], FLOW_INPUT
        )
        assert result["type"] == expected
        await hass.async_block_till_done(wait_background_tasks=True)
    assert result["errors"] == {"charge_point_id": "already_added"}


async def test_no_ocpp_integration(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _start_evse(hass, init_integration)
    assert result["type"] == "abort"
    assert result["reason"] == "ocpp_not_loaded"


async def test_ocpp_without_chargers(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    MockConfigEntry(domain="ocpp", state=ConfigEntryState.LOADED).add_to_hass(hass)
    result = await _start_evse(hass, init_integration)
    assert result["reason"] == "no_chargers"


async def test_reconfigure_charger(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    entry = _evse_entry(("car", EVSE))
    await setup_site(hass, entry, background=True)
    result = await _start_evse(hass, entry, subentry_id="car")
    assert result["step_id"] == "reconfigure"
    changes = {
        k: v
        for k, v in FLOW_INPUT.items()
        if k not in ("charge_point_id", "connector_id")
    }
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {**changes, "name": "Car", "max_current": 20, "line_3": "none"},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    data = entry.subentries["car"].data
    assert data["charge_point_id"] == "cp1"
    assert data["max_current"] == 20
    assert data["line_3"] is None


async def test_pause_by_stopping_the_transaction(
    hass: HomeAssistant, ocpp: FakeOcpp, freezer: FrozenDateTimeFactory
) -> None:
    """For chargers that misbehave at 0 A: a pause stops the transaction, a resume starts it."""
    await setup_site(
        hass,
        _evse_entry(("car", {**EVSE, "pause_mode": "stop_transaction"})),
        background=True,
    )
    ocpp.set_status("cp1", 1, "Charging")
    await _run(hass, freezer, ocpp, 30)
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charging_mode", "option": "solar"},
        blocking=True,
    )
    await _run(hass, freezer, ocpp, 180)
    assert ocpp.site.calls[-1] == ("turn_off", "switch.cp1_charge_control")
    assert 0.0 not in ocpp.limits()  # never a 0 A limit
    ocpp.set_status("cp1", 1, "Finishing")  # what a charger shows after a remote stop
    ocpp.site.set_house(A=-10.0, B=-10.0, C=-10.0)
    await _run(hass, freezer, ocpp, 185)
    assert ("turn_on", "switch.cp1_charge_control") in ocpp.site.calls
    assert ocpp.limits()[-2:] == [6.0, 8.5]  # restarted at the minimum, then ramping


async def test_pause_by_stop_needs_the_charge_control_switch(
    hass: HomeAssistant, ocpp: FakeOcpp, init_integration: MockConfigEntry
) -> None:
    er.async_get(hass).async_remove("switch.cp1_charge_control")
    result = await _start_evse(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**FLOW_INPUT, "pause_mode": "stop_transaction"}
    )
    assert result["errors"] == {"pause_mode": "no_charge_control"}

"""The Home Assistant edge under faults: a load that raises, refuses or hangs blinds nobody."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockToggleEntity,
    async_fire_time_changed,
    setup_test_component_platform,
)

from custom_components.dynamic_ocpp_evse import dispatch

from .conftest import METERS, FakeSite, run_cycles, setup_site, state_of

_run = run_cycles


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom"), IndexError("list index out of range"), KeyError("cp1")],
)
async def test_a_load_that_raises_anything_blinds_nobody(
    hass: HomeAssistant,
    fake_site: FakeSite,
    *,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    """Even at startup: the site sets up, its entities stay, the other plug is commanded."""
    fake_site.failing["switch.boiler"] = error
    caplog.set_level(logging.INFO)
    await setup_site(hass, mock_config_entry)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "sensor.boiler_status") == "command_failed"
    assert state_of(hass, "sensor.home_status") == "ok"

    fake_site.set_house(A=2.0, B=-25.0, C=2.0)  # surplus for the boiler and the heater
    await _run(hass, freezer, fake_site, 70)
    assert ("turn_on", "switch.heater") in fake_site.calls
    assert state_of(hass, "sensor.heater_status") == "at_maximum"
    assert state_of(hass, "sensor.boiler_status") == "command_failed"
    failed = [r for r in caplog.records if "Boiler is command failed" in r.getMessage()]
    assert len(failed) == 1  # one line for the change, none while it lasts
    assert "Traceback" not in caplog.text.split("Boiler is command failed")[0]

    del fake_site.failing["switch.boiler"]
    await _run(hass, freezer, fake_site, 65)  # the next retry, at most a minute away
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"
    assert any("Boiler is ok" in r.getMessage() for r in caplog.records)


async def test_a_refused_command_is_retried_less_and_less_but_a_lower_one_at_once(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    fake_site.failing["switch.boiler"] = HomeAssistantError("refused")
    await setup_site(hass, mock_config_entry)  # the first try
    await _run(hass, freezer, fake_site, 110)
    tries = [call for call in fake_site.calls if call[1] == "switch.boiler"]
    # At 0 s, then 5 s, 15 s, 45 s and 105 s later: backing off to once a minute.
    assert tries == [("turn_on", "switch.boiler")] * 5

    # No room for the boiler: the lower command is applied at once, backoff or not (the
    # switch is off already, so it takes no call and the failure is over).
    fake_site.set_house(A=20.0)
    await _run(hass, freezer, fake_site, 5)
    assert state_of(hass, "sensor.boiler_status") == "breaker"


async def test_a_hanging_load_holds_up_nothing(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its call is given up after the deadline; cycles never overlap, whatever triggers them."""
    monkeypatch.setattr(dispatch, "CALL_DEADLINE_S", 0.05)
    fake_site.hanging.add("switch.heater")
    hass.states.async_set("switch.boiler", "on")
    await setup_site(hass, mock_config_entry)
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"

    coordinator = mock_config_entry.runtime_data.coordinator
    inside = 0
    most = 0
    cycle = coordinator._async_cycle

    async def counted() -> object:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        try:
            return await cycle()
        finally:
            inside -= 1

    monkeypatch.setattr(coordinator, "_async_cycle", counted)
    fake_site.hanging.add("switch.boiler")
    fake_site.set_house(A=20.0)  # the boiler must go off: its call hangs
    await asyncio.gather(*(coordinator.async_refresh() for _ in range(3)))
    assert most == 1
    assert coordinator.last_update_success
    assert state_of(hass, "sensor.boiler_status") == "command_timed_out"
    assert state_of(hass, "sensor.home_status") == "ok"


async def test_a_plug_switched_by_hand_is_left_alone_for_an_hour(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With Home Assistant's real switch entity (our own calls carry their context):
    switched off by hand, it stays off for an hour, or until its mode is changed."""
    boiler = MockToggleEntity("boiler", STATE_OFF)
    heater = MockToggleEntity("heater", STATE_OFF)
    setup_test_component_platform(hass, "switch", [boiler, heater])
    assert await async_setup_component(hass, "switch", {"switch": {"platform": "test"}})

    def report() -> None:
        on = hass.states.get("switch.boiler")
        extra = 10.0 if on is not None and on.state == STATE_ON else 0.0
        for phase, entity_id in METERS.items():
            amps = 2.0 + (extra if phase == "A" else 0.0)
            hass.states.async_set(
                entity_id, f"{amps:.1f}", {"unit_of_measurement": "A"}
            )

    async def run(seconds: float) -> None:
        for _ in range(int(seconds // 5)):
            freezer.tick(timedelta(seconds=5))
            report()
            async_fire_time_changed(hass)
            await hass.async_block_till_done(wait_background_tasks=True)

    report()
    await setup_site(hass, mock_config_entry)
    assert boiler.is_on
    await run(30)  # our own switching is not taken for someone else's
    assert state_of(hass, "sensor.boiler_status") == "at_maximum"

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.boiler"}, blocking=True
    )
    await run(10)
    assert state_of(hass, "sensor.boiler_status") == "switched_by_hand"
    assert state_of(hass, "sensor.boiler_allocated_current") == "0.0"
    freezer.tick(timedelta(minutes=55))
    await run(5)
    assert not boiler.is_on
    freezer.tick(timedelta(minutes=5))
    await run(5)
    assert boiler.is_on  # the hour is over

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.boiler"}, blocking=True
    )
    await run(10)
    assert state_of(hass, "sensor.boiler_status") == "switched_by_hand"
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.boiler_operating_mode", "option": "standard"},
        blocking=True,
    )
    await run(15)  # after the site's 10 s reaction time from the last decrease
    assert boiler.is_on  # a new mode ends the leave

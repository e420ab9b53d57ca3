"""Kinds of chargers and what users do with them, through the real OCPP integration."""

from __future__ import annotations

from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from simulator.charge_point import Car, ReferenceCharger, StationSpec

from .bench import Bench, connector_data


def _device(bench: Bench, load: str) -> str:
    assert bench.site is not None
    subentry = next(s for s in bench.site.subentries.values() if s.title == load)
    return next(
        d.id
        for d in dr.async_entries_for_config_entry(
            dr.async_get(bench.hass), bench.site.entry_id
        )
        if (DOMAIN, subentry.subentry_id) in d.identifiers
    )


async def test_two_connectors_share_the_charger_maximum(bench: Bench) -> None:
    duo = await bench.add_charger(StationSpec(cp_id="DUO-1", connectors=2), cpid="duo")
    await bench.add_site()
    for n, name in ((1, "Left"), (2, "Right")):
        await bench.add_connector(
            "duo", n, name=name, charger_max_current=20, max_current=16
        )
    # One car after the other (two cars starting together would, for a meter interval,
    # look like a house-load step: see IMPROVEMENTS, base load from stale readings).
    duo.plug_in(1, Car(phases=3, max_a=32))
    await bench.until(lambda: duo.draw(1)[0] == 16.0, limit=120)
    await bench.run(15)
    duo.plug_in(2, Car(phases=3, max_a=32))

    def shared() -> bool:
        return (
            duo.draw(1)[0] == duo.draw(2)[0] == 10.0
            and bench.working(duo, 1)[-1] == bench.working(duo, 2)[-1] == 10.0
            and bench.state("sensor.left_status") == "charger"
        )

    # Until the charger has reported the second car's current, its start reads as house
    # load for a while: the two settle at the charger's 20 A shared once it has.
    took = await bench.until(shared, limit=120)
    bench.record("second car on a shared charger → both at 10 A", took)
    # Profiles went to each connector, with ids of their own.
    assert {p.id for p in duo.profiles.profiles} == {1801, 1901, 1802, 1902}


async def test_reset_reinstalls_every_connector(bench: Bench) -> None:
    """The OCPP integration's clear removes all of a charger's profiles: both come back."""
    duo = await bench.add_charger(StationSpec(cp_id="DUO-1", connectors=2), cpid="duo")
    await bench.add_site()
    await bench.add_connector("duo", 1, name="Left", charger_max_current=32)
    await bench.add_connector("duo", 2, name="Right", charger_max_current=32)
    await bench.run(10)
    seen = len(duo.received)
    await bench.hass.services.async_call(
        DOMAIN, "reset_charger", {"device_id": _device(bench, "Left")}, blocking=True
    )
    await bench.run(2)
    actions = [m.action for m in duo.received[seen:]]
    assert actions[0] == "ClearChargingProfile"
    assert duo.received[seen].payload == {}  # no filter: every profile of the charger
    assert {p.id for p in duo.profiles.profiles} == {1801, 1901, 1802, 1902}


async def _charging_then_no_sun(bench: Bench, *, pause_mode: str) -> ReferenceCharger:
    """A car charging at 16 A; then the site switches to Solar mode, with no surplus."""
    garage = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    await bench.add_site()
    await bench.add_connector("garage", name="Car", pause_mode=pause_mode)
    garage.plug_in(1, Car(phases=3, max_a=32))
    await bench.until(lambda: garage.draw(1)[0] == 16.0, limit=120)
    await bench.hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charging_mode", "option": "solar"},
        blocking=True,
    )
    return garage


async def test_pause_by_a_zero_limit(bench: Bench) -> None:
    """Solar mode and no sun: the minimum is held, then 0 A; the car stops."""
    garage = await _charging_then_no_sun(bench, pause_mode="zero")
    took = await bench.until(lambda: bench.working(garage)[-1] == 0.0, limit=240)
    # The disable delay (180 s), holding the minimum; a little longer while the car's
    # stale current reading makes its own reduction look like surplus.
    assert 180 <= took <= 200
    await bench.run(10)
    assert garage.draw(1) == (0.0, 0.0, 0.0)
    assert bench.state("sensor.garage_status_connector") == "SuspendedEVSE"
    # The pause is refreshed like any command: by its own evaluation the charger stays at
    # 0 A for as long as the pause lasts (a quarter of an hour here), never its failsafe.
    for _ in range(900):
        await bench.tick()
        assert garage.allowed_a(1) == 0.0
    assert garage.draw(1) == (0.0, 0.0, 0.0)


async def test_pause_by_stopping_the_transaction(bench: Bench) -> None:
    """The charge control switch stops the transaction; the sun back, it starts again."""
    garage = await _charging_then_no_sun(bench, pause_mode="stop_transaction")
    seen = len(garage.received)
    await bench.until(lambda: garage.connectors[1].tx_id is None, limit=240)
    actions = [m.action for m in garage.received[seen:]]
    assert "RemoteStopTransaction" in actions
    assert 0.0 not in bench.working(garage)  # never a 0 A limit
    await bench.run(5)
    assert bench.state("sensor.garage_status_connector") == "Finishing"
    assert (
        bench.state("sensor.car_status") != "no_car"
    )  # still plugged in: it may resume
    bench.house.update(A=-12.0, B=-12.0, C=-12.0)  # 14 A per phase exported
    took = await bench.until(lambda: garage.connectors[1].tx_id is not None, limit=400)
    assert any(m.action == "RemoteStartTransaction" for m in garage.received[seen:])
    bench.record("pause by stop: sun back → transaction restarted", took)
    await bench.until(lambda: garage.draw(1)[0] >= 6.0, limit=30)


async def test_a_charger_that_ignores_its_limit_leaves_the_others_within_the_breaker(
    bench: Bench,
) -> None:
    """One car keeps drawing 16 A when set to Off: its draw is house load for the other."""
    rogue = await bench.add_charger(
        StationSpec(cp_id="CP-R", ignores_profiles=True), cpid="rogue"
    )
    good = await bench.add_charger(StationSpec(cp_id="CP-G"), cpid="good")
    await bench.add_site()
    await bench.add_connector("rogue", name="Rogue car")
    await bench.add_connector("good", name="Good car", max_current=32)
    await bench.hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.rogue_car_operating_mode", "option": "off"},
        blocking=True,
    )
    rogue.plug_in(1, Car(phases=3, max_a=16))
    await bench.until(lambda: rogue.draw(1)[0] == 16.0, limit=60)
    good.plug_in(1, Car(phases=3, max_a=32))
    over, peak = 0.0, 0.0
    for _ in range(180):
        await bench.tick()
        over += bench.over_breaker()
        peak = max(peak, good.draw(1)[0])
    bench.record("rogue 16 A load: A·s over the breaker in 3 min", round(over))
    assert over == 0.0
    assert peak <= 25 - 2 - 16  # the rogue's 16 A is the house's
    assert bench.state("sensor.rogue_car_status") == "not_following"
    # It is told again every cycle (the OCPP integration writes each to the charger).
    told = [m.at for m in bench.profiles(rogue)][-10:]
    assert (told[-1] - told[0]).total_seconds() <= 10 * 5


@pytest.mark.parametrize(
    ("units", "expected"), [("Current", "A"), ("Power", "W"), ("Current,Power", "A")]
)
async def test_rate_units(bench: Bench, units: str, expected: str) -> None:
    """The unit the charger allows is detected; a W charger gets watts for the car's lines."""
    charger = await bench.add_charger(
        StationSpec(cp_id="CP-7", rate_units=units), cpid="wallbox"
    )
    await bench.add_site()
    subentry = await bench.add_connector("wallbox", name="Car")
    assert subentry.data["rate_unit"] == expected
    charger.plug_in(1, Car(phases=1, max_a=32))
    peak = 0.0
    for _ in range(120):
        await bench.tick()
        peak = max(peak, charger.draw(1)[0])
    # Measured: until its draw shows one line in use, the car is taken to use all three, so
    # the W limit is held at the minimum's watts: a 1-phase car draws at most three times
    # its minimum (18 A; it was 27 A, enough to be stopped on a 25 A breaker).
    bench.record(f"{expected} charger, 1-phase car: peak current on its line (A)", peak)
    assert peak <= (16.0 if expected == "A" else 18.0)
    assert charger.draw(1)[0] == 16.0
    working = bench.profiles(charger)[-1].payload["csChargingProfiles"]
    unit = working["chargingSchedule"]["chargingRateUnit"]
    limit = working["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
    assert unit == expected
    assert limit == (16.0 if expected == "A" else 16 * 230 * 1)  # one line in use
    assert charger.allowed_a(1) == 16.0  # what the charger makes of it
    # Measured: the failsafe a 1-phase car would get (computed for the wired lines).
    failsafe = next(p for p in charger.profiles.profiles if p.id == 1801)
    per_line = failsafe.periods[0].limit / (230 if failsafe.unit == "W" else 1)
    bench.record(f"failsafe of the {expected} charger for a 1-phase car (A)", per_line)


async def test_unknown_rate_unit_makes_the_flow_ask(bench: Bench) -> None:
    await bench.add_charger(StationSpec(cp_id="CP-8", rate_units=None), cpid="old")
    await bench.add_site()
    flow = await bench.connector_form()
    data = connector_data("old", name="Old")
    result = await bench.hass.config_entries.subentries.async_configure(
        flow["flow_id"], data
    )
    assert result["errors"] == {"rate_unit": "unit_unknown"}
    schema = result["data_schema"]
    assert schema is not None
    field = next(k for k in schema.schema if str(k) == "rate_unit")
    assert field.description["suggested_value"] == "A"
    result = await bench.hass.config_entries.subentries.async_configure(
        flow["flow_id"], {**data, "rate_unit": "A"}
    )
    assert result["type"] == "create_entry"
    assert result["data"]["stack_level"] == 8  # still read from the charger


async def test_offline_charger_gets_nothing_meant_for_it_elsewhere(
    bench: Bench,
) -> None:
    """The OCPP integration sends a call for an unknown charger to the first one it has."""
    garage = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    drive = await bench.add_charger(StationSpec(cp_id="CP-0043"), cpid="drive")
    await bench.add_site()
    await bench.add_connector("garage", name="Garage car", stack_level=8)
    await bench.add_connector("drive", name="Drive car", stack_level=5)
    # Home Assistant restarts the OCPP integration while the drive charger is off.
    drive.auto_reconnect = False
    await drive.disconnect()
    (ocpp_entry,) = bench.hass.config_entries.async_entries("ocpp")
    assert await bench.hass.config_entries.async_reload(ocpp_entry.entry_id)
    seen = len(garage.received)
    await bench.run(60)
    assert bench.state("sensor.drive_car_status") == "unavailable"
    levels = {
        m.payload["csChargingProfiles"]["stackLevel"]
        for m in bench.profiles(garage, since=seen)
    }
    assert levels <= {7, 8}  # none of the drive charger's (4, 5)
    assert {p.stack_level for p in garage.profiles.profiles} == {7, 8}


async def test_missing_current_import_is_a_repair_issue(bench: Bench) -> None:
    """A charger set up without Current.Import: the repair issue names it and the metric."""
    await bench.add_charger(
        StationSpec(cp_id="CP-9"),
        cpid="shed",
        measurands=("Energy.Active.Import.Register",),
    )
    site = await bench.add_site()
    await bench.add_connector("shed", name="Shed")
    issue = ir.async_get(bench.hass).async_get_issue(
        DOMAIN, f"ocpp_entities_{site.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "details": "Shed (shed): Current.Import",
    }

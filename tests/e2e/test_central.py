"""Chargers that connect to the site's own OCPP server: no OCPP integration installed.

Over real websockets on 127.0.0.1: who is let in (allow-list, HTTP Basic password), a session
within the breaker, and a charger that goes away and comes back.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.components.repairs import issue_handler, repairs_flow_manager
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from simulator.charge_point import Car, ReferenceCharger, StationSpec
from simulator.charge_point.smart_charging import Kind

from .bench import Bench, connector_data

PASSWORD = "s3cret-key"


VERSIONS = pytest.mark.parametrize("version", ["1.6", "2.0.1"])


async def _site_with_charger(
    central: Bench, *, password: str | None = PASSWORD, version: str = "1.6"
) -> ReferenceCharger:
    """A site running its server, and a charger CP-7 added to it that connects."""
    charger = central.add_central_charger(
        StationSpec(cp_id="CP-7", ocpp_version=version), password=password
    )
    await central.add_site(ocpp_server_port=central.port, ocpp_server_host="127.0.0.1")
    await central.add_connector(
        "CP-7",
        name="Car",
        password=PASSWORD,
        rate_unit="A",
        stack_level=1,
    )
    return charger


@VERSIONS
async def test_a_charger_connects_and_charges_within_the_breaker(
    central: Bench, version: str
) -> None:
    """Let in with its password; both profiles on the wire; the car follows the breaker."""
    assert not central.hass.config_entries.async_entries("ocpp")
    charger = await _site_with_charger(central, version=version)
    took = await central.until(lambda: charger.boots > 0, limit=30)
    central.record(f"charger powered → booted (OCPP {version})", took)
    took = await central.until(lambda: len(central.profiles(charger)) >= 2, limit=30)
    central.record(f"booted → both profiles installed (OCPP {version})", took)
    failsafe, working = map(central.profile, central.profiles(charger)[:2])
    assert (failsafe.id, failsafe.stack_level) == (1801, 0)
    assert (working.id, working.stack_level) == (1901, 1)
    # Spoken to in its own version; asked for every measurand we use, every 10 s.
    configured = {m.action for m in charger.received} & {
        "ChangeConfiguration",
        "SetVariables",
    }
    assert configured == {
        "SetVariables" if version == "2.0.1" else "ChangeConfiguration"
    }
    assert charger.config["MeterValueSampleInterval"] == "10"
    assert "Current.Offered" in charger.config["MeterValuesSampledData"]

    charger.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: charger.draw(1) == (16.0, 16.0, 16.0), limit=120)
    assert central.state("sensor.car_status") == "at_maximum"

    central.house["A"] = 14.0  # 25 A breaker: 11 A left for the car on phase A
    took = await central.until(lambda: central.working(charger)[-1] <= 11.0, limit=30)
    central.record(f"house-load step → lower limit (OCPP {version})", took)
    assert took <= 2
    await central.until(lambda: central.over_breaker() == 0.0, limit=15)

    charger.unplug(1)
    await central.until(lambda: central.working(charger)[-1] == 0.0, limit=30)
    assert central.state("sensor.car_status") == "no_car"


async def test_a_wrong_password_is_refused(central: Bench) -> None:
    """A charger with the wrong password never gets in, and never gets a profile."""
    charger = await _site_with_charger(central, password="guessed")
    await central.run(30)
    assert not charger.connected
    assert charger.boots == 0
    assert not charger.received


async def test_an_unknown_charger_is_refused_and_reported(central: Bench) -> None:
    """An id not on the allow-list is refused before the websocket opens, and named."""
    await _site_with_charger(central)
    intruder = central.add_central_charger(StationSpec(cp_id="INTRUDER"))
    await central.run(10)
    assert not intruder.connected
    assert intruder.boots == 0
    assert central.site is not None
    issue = ir.async_get(central.hass).async_get_issue(
        DOMAIN, f"charger_refused_{central.site.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["chargers"] == "INTRUDER"
    assert issue.is_fixable


async def test_a_refused_charger_is_added_from_its_repair(central: Bench) -> None:
    """ "A charger wants to connect — add it?": the fix flow adds it, then it is let in."""
    await _site_with_charger(central)
    guest = central.add_central_charger(StationSpec(cp_id="GUEST-1"))
    await central.until(
        lambda: _issue(central, "charger_refused") is not None, limit=10
    )
    assert central.site is not None
    central.hass.data.setdefault("repairs", {})
    issue_handler.async_setup(central.hass)
    flows = repairs_flow_manager(central.hass)
    assert flows is not None
    form = await flows.async_init(
        DOMAIN, data={"issue_id": f"charger_refused_{central.site.entry_id}"}
    )
    assert form["type"] == "form"
    assert (form["description_placeholders"] or {})["chargers"] == "GUEST-1"
    data = connector_data("GUEST-1", name="Guest", rate_unit="A", stack_level=1)
    data["password"] = PASSWORD  # CP-7's: every connector of a charger gives its own
    result = await flows.async_configure(
        form["flow_id"], {**data, "charge_point_id": "bad id"}
    )
    assert result["errors"] == {"charge_point_id": "charge_point_id_invalid"}
    result = await flows.async_configure(
        form["flow_id"], {**data, "profile_validity": 5}
    )
    assert result["errors"] == {"profile_validity": "out_of_range"}
    assert (result["description_placeholders"] or {})["allowed"] == "30 to 3600 s"
    result = await flows.async_configure(form["flow_id"], {**data, "password": ""})
    assert result["type"] == "create_entry"
    await central.hass.async_block_till_done(wait_background_tasks=True)
    assert "Guest" in [s.title for s in central.site.subentries.values()]
    took = await central.until(lambda: guest.boots > 0, limit=30)
    central.record("refused charger added from its repair → booted", took)
    await central.until(lambda: len(central.profiles(guest)) >= 2, limit=30)
    await central.until(lambda: _issue(central, "charger_refused") is None, limit=10)


@VERSIONS
async def test_two_connectors_of_one_charger_share_its_maximum(
    central: Bench, version: str
) -> None:
    """One login for both connectors (EVSEs in 2.0.1); each its own profiles; the charger's
    maximum shared."""
    duo = central.add_central_charger(
        StationSpec(cp_id="DUO-1", connectors=2, ocpp_version=version),
        password=PASSWORD,
    )
    await central.add_site(ocpp_server_port=central.port, ocpp_server_host="127.0.0.1")
    for n, name in ((1, "Left"), (2, "Right")):
        await central.add_connector(
            "DUO-1",
            n,
            name=name,
            password=PASSWORD,
            rate_unit="A",
            stack_level=1,
            charger_max_current=20,
        )
    duo.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: duo.draw(1)[0] == 16.0, limit=120)
    await central.run(15)
    duo.plug_in(2, Car(phases=3, max_a=32))

    def shared() -> bool:
        return (
            duo.draw(1)[0] == duo.draw(2)[0] == 10.0
            and central.working(duo, 1)[-1] == central.working(duo, 2)[-1] == 10.0
        )

    took = await central.until(shared, limit=120)
    central.record(
        f"second car on a shared charger → both at 10 A (OCPP {version})", took
    )
    assert {p.id for p in duo.profiles.profiles} == {1801, 1901, 1802, 1902}
    assert central.over_breaker() == 0.0


@VERSIONS
async def test_a_charger_that_comes_back_gets_both_profiles_again(
    central: Bench,
    version: str,
) -> None:
    """Disconnect: seen at once; reconnect: the failsafe profile goes on again first."""
    charger = await _site_with_charger(central, version=version)
    await central.until(lambda: len(central.profiles(charger)) >= 2, limit=30)
    charger.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: charger.draw(1) == (16.0, 16.0, 16.0), limit=120)

    await charger.reboot()  # the profiles go with it
    assert not charger.profiles.profiles
    since = len(charger.received)
    took = await central.until(
        lambda: len(central.profiles(charger, since)) >= 2, limit=60
    )
    central.record("reboot → both profiles again", took)
    assert central.profile(central.profiles(charger, since)[0]).id == 1801
    await central.until(lambda: charger.draw(1) == (16.0, 16.0, 16.0), limit=120)


@VERSIONS
async def test_a_charger_that_drops_off_keeps_its_last_limit_until_it_lapses(
    central: Bench,
    version: str,
) -> None:
    """Gone from the network, a charger still applies our last limit by its own clock.

    That limit stays free for it until the working profile lapses: the other car does not
    take it, so a car that starts drawing at the silent charger overloads nothing (the meter's
    rise cannot be told from the house's: the other car pauses meanwhile). After the lapse the
    charger is at its failsafe, which the meter shows and which stays free for it on top while
    it is silent: the other car gets the rest.
    """
    away = await _site_with_charger(central, version=version)
    other = central.add_central_charger(
        StationSpec(cp_id="CP-8", ocpp_version=version), password=PASSWORD
    )
    await central.add_connector(
        "CP-8", name="Other", password=PASSWORD, rate_unit="A", stack_level=1
    )
    resting = Car(phases=3, max_a=32, need_wh=0)  # plugged in, wants nothing for now
    away.plug_in(1, resting)
    other.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: other.draw(1)[0] >= 9.0, limit=120)
    sent = len(central.working(away))
    await central.until(lambda: len(central.working(away)) > sent, limit=130)
    held = central.working(away)[-1]  # just sent: it holds for 180 s
    assert held >= 6.0

    away.auto_reconnect = False
    await away.disconnect()
    given = len(central.working(other))
    for second in range(175):  # the limit lapses 180 s after it was sent
        if second == 60:
            resting.need_wh = (
                None  # the car wants energy: its charger gives our last limit
            )
        await central.tick()
        assert central.over_breaker() == 0.0
        assert max(central.working(other)[given:], default=0.0) <= 25 - 2 - held
    assert away.draw(1)[0] == held  # drawn by the limit it still holds
    given = len(central.working(other))
    took = await central.until(
        lambda: max(central.working(other)[given:], default=0.0) >= 6.0, limit=180
    )
    central.record("charger's last limit lapsed → the other car gets its room", took)
    assert away.allowed_a(1) == 6.0  # the failsafe, by the charger's clock
    for _ in range(60):
        await central.tick()
        assert central.over_breaker() == 0.0
    # The failsafe it draws, and the same again kept free while it is silent.
    assert max(central.working(other)[given:]) <= 25 - 2 - 6 - 6


@VERSIONS
async def test_a_removed_connector_leaves_its_charger_without_our_profiles(
    central: Bench,
    version: str,
) -> None:
    """Our two profiles cleared by their ids while the charger is still let in; then it
    is refused like any unknown charger."""
    charger = await _site_with_charger(central, version=version)
    await central.until(lambda: len(charger.profiles.profiles) == 2, limit=30)
    assert central.site is not None
    subentry = next(iter(central.site.subentries))
    since = len(charger.received)
    assert central.hass.config_entries.async_remove_subentry(central.site, subentry)
    await central.hass.async_block_till_done(wait_background_tasks=True)
    cleared: list[int] = [
        m.payload["id" if version == "1.6" else "chargingProfileId"]
        for m in charger.received[since:]
        if m.action == "ClearChargingProfile"
    ]
    assert sorted(cleared) == [1801, 1901]
    assert not charger.profiles.profiles
    await central.run(15)
    assert not charger.connected  # no longer let in


def _connector_device(central: Bench, name: str) -> str:
    """The device id of one of the site's connectors."""
    assert central.site is not None
    subentry = next(s for s in central.site.subentries.values() if s.title == name)
    return next(
        d.id
        for d in dr.async_entries_for_config_entry(
            dr.async_get(central.hass), central.site.entry_id
        )
        if (DOMAIN, subentry.subentry_id) in d.identifiers
    )


@VERSIONS
async def test_the_charger_is_asked_what_only_a_direct_connection_can_ask(
    central: Bench,
    version: str,
) -> None:
    """Stop and start a session, take a connector out of service and back, restart it."""
    charger = await _site_with_charger(central, version=version)
    charger.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: charger.draw(1)[0] >= 15.0, limit=120)
    device = _connector_device(central, "Car")

    async def ask(service: str, **data: object) -> None:
        await central.hass.services.async_call(
            DOMAIN, service, {"device_id": device, **data}, blocking=True
        )

    await ask("stop_transaction")
    await central.until(lambda: charger.connectors[1].tx_id is None, limit=10)
    await central.until(lambda: charger.draw(1)[0] == 0.0, limit=15)
    await central.run(30)
    assert (
        charger.connectors[1].tx_id is None
    )  # not started again behind the user's back
    await ask("start_transaction")
    await central.until(lambda: charger.draw(1)[0] >= 15.0, limit=60)

    with pytest.raises(
        HomeAssistantError, match="CP-7 answered Rejected to start_transaction"
    ):
        await ask("start_transaction")  # a session runs already: refused, and said so
    await ask(
        "set_connector_availability", available=False
    )  # Scheduled: a session runs
    connector = charger.connectors[1]
    assert connector.tx_id is not None  # not taken out under the car
    await ask("stop_transaction")
    await central.until(
        lambda: central.state("sensor.car_status") == "mode_off", limit=30
    )
    assert not connector.operative  # out of service once the session ended
    await ask("set_connector_availability", available=True)
    assert charger.connectors[1].operative
    await ask("start_transaction")
    await central.until(lambda: charger.draw(1)[0] >= 15.0, limit=60)

    boots, since = charger.boots, len(charger.received)
    await ask("restart_charger", hard=True)
    await central.until(lambda: charger.boots > boots, limit=60)
    await central.until(lambda: len(central.profiles(charger, since)) >= 2, limit=30)


def _issue(central: Bench, key: str) -> dict[str, str] | None:
    """The placeholders of one of the site's repair issues, None when it is not raised."""
    assert central.site is not None
    issue = ir.async_get(central.hass).async_get_issue(
        DOMAIN, f"{key}_{central.site.entry_id}"
    )
    if issue is None:
        return None
    return dict(issue.translation_placeholders or {})


@VERSIONS
async def test_the_schedule_the_charger_will_apply_is_checked(
    central: Bench, version: str
) -> None:
    """After every new limit the composite schedule is read back, in the charger's clock.

    A charger whose clock is 10 minutes behind would keep our limit 10 minutes past its
    validity if Home Assistant stopped: named in a repair issue with its offset.
    """
    charger = await _site_with_charger(central, version=version)
    await central.until(lambda: len(central.profiles(charger)) >= 2, limit=30)
    await central.run(5)
    asked = [m for m in charger.received if m.action == "GetCompositeSchedule"]
    assert asked
    assert asked[-1].payload["duration"] == 180 + 60
    assert _issue(central, "schedule_mismatch") is None

    central.clock_offset["CP-7"] = -timedelta(minutes=10)
    charger.plug_in(1, Car(phases=3, max_a=32))  # a new limit: checked again
    await central.until(
        lambda: _issue(central, "schedule_mismatch") is not None, limit=30
    )
    details = (_issue(central, "schedule_mismatch") or {})["details"]
    assert "Car (CP-7)" in details
    assert "failsafe 6 A" in details
    assert "its clock is -60" in details  # 10 minutes behind (and the second it took)

    central.clock_offset["CP-7"] = timedelta(0)
    await central.until(lambda: _issue(central, "schedule_mismatch") is None, limit=300)


@VERSIONS
async def test_a_rejected_profile_is_sent_in_the_shape_the_charger_takes(
    central: Bench,
    version: str,
) -> None:
    """Stack level 2 on a charger that takes 1, in A where it takes W, Absolute where it
    takes Relative: every profile rejected as configured, then taken in the one shape that
    fits, kept, and the user told which settings to change. The car charges within the breaker.
    """
    charger = central.add_central_charger(
        StationSpec(
            cp_id="CP-7",
            max_stack_level=1,
            rate_units="Power",
            takes_absolute=False,
            ocpp_version=version,
        ),
        password=PASSWORD,
    )
    await central.add_site(ocpp_server_port=central.port, ocpp_server_host="127.0.0.1")
    await central.add_connector(
        "CP-7", name="Car", password=PASSWORD, rate_unit="A", stack_level=2
    )
    took = await central.until(
        lambda: _issue(central, "profile_adapted") is not None, limit=30
    )
    central.record("booted → profiles taken in the charger's own shape", took)
    details = (_issue(central, "profile_adapted") or {})["details"]
    assert details == (
        "Car (CP-7): stack level 1, limits in W, a Relative working profile"
    )
    assert _issue(central, "profile_rejected") is None
    since = len(charger.received)
    charger.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: charger.draw(1)[0] >= 15.0, limit=120)
    central.house["A"] = 14.0
    await central.until(lambda: central.over_breaker() == 0.0, limit=30)
    await central.run(130)  # a refresh or two, straight in the shape it takes
    later = [central.profile(m) for m in central.profiles(charger, since)]
    assert later
    assert all(p.stack_level <= 1 for p in later)
    assert all(p.schedule["chargingRateUnit"] == "W" for p in later)
    working = next(p for p in charger.profiles.profiles if p.id == 1901)
    assert working.kind is Kind.RELATIVE
    assert working.duration_s is None  # it would count from the session's start
    assert working.valid_to is not None  # what ends it instead
    # What it will apply in that shape is what we meant: no schedule mismatch.
    assert _issue(central, "schedule_mismatch") is None
    assert central.over_breaker() == 0.0


async def test_a_charger_that_takes_no_profile_is_named_in_a_repair(
    central: Bench,
) -> None:
    """No shape taken (its profile memory is full): the user sees which charger and profile."""
    charger = central.add_central_charger(
        StationSpec(cp_id="CP-7", max_profiles=0), password=PASSWORD
    )
    await central.add_site(ocpp_server_port=central.port, ocpp_server_host="127.0.0.1")
    await central.add_connector(
        "CP-7", name="Car", password=PASSWORD, rate_unit="A", stack_level=2
    )
    took = await central.until(
        lambda: _issue(central, "profile_rejected") is not None, limit=30
    )
    central.record(
        "booted → a profile no shape of which is taken named in a repair", took
    )
    details = (_issue(central, "profile_rejected") or {})["details"]
    assert details.startswith("Car (CP-7): profile 1801: Rejected")
    assert charger.boots > 0
    assert _issue(central, "profile_adapted") is None


@VERSIONS
async def test_home_assistant_stopped_the_charger_falls_to_its_failsafe(
    central: Bench,
    version: str,
) -> None:
    """Nobody left to refresh the working profile: the charger's own clock ends it."""
    charger = await _site_with_charger(central, version=version)
    charger.plug_in(1, Car(phases=3, max_a=32))
    await central.until(lambda: charger.draw(1) == (16.0, 16.0, 16.0), limit=120)
    await central.stop_home_assistant()
    assert not charger.connected
    took = await central.until(lambda: charger.allowed_a(1) == 6.0, limit=240)
    central.record("Home Assistant stopped → failsafe by the charger's clock", took)
    assert 100 <= took <= 181  # within the working profile's 180 s validity
    await central.run(60)
    assert charger.allowed_a(1) == 6.0  # and it stays there


async def test_a_second_connector_must_use_the_chargers_password(
    central: Bench,
) -> None:
    """A charger logs in once for all its connectors: the form refuses another password."""
    await _site_with_charger(central)
    flow = await central.connector_form()
    data = connector_data(
        "CP-7", 2, name="Second", rate_unit="A", stack_level=1, password=""
    )
    result = await central.hass.config_entries.subentries.async_configure(
        flow["flow_id"], data
    )
    assert result["errors"] == {"password": "password_differs"}
    result = await central.hass.config_entries.subentries.async_configure(
        flow["flow_id"], {**data, "password": PASSWORD}
    )
    assert result["type"] == "create_entry"

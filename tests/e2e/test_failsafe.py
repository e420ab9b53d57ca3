"""What the charger does when a meter, our integration or Home Assistant goes away, by its clock."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from simulator.charge_point import Car, ReferenceCharger, StationSpec

from .bench import Bench


async def _charging(bench: Bench, *, offset_s: float = 0) -> ReferenceCharger:
    """The garage charger, its clock `offset_s` ahead of Home Assistant's, a car at 16 A."""
    bench.clock_offset["CP-0042"] = timedelta(seconds=offset_s)
    charger = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    await bench.add_site()
    await bench.add_connector("garage", name="Car")
    charger.plug_in(1, Car(phases=3, max_a=32))
    await bench.until(lambda: charger.draw(1) == (16.0, 16.0, 16.0), limit=180)
    return charger


async def test_meter_lost_gives_the_failsafe_current(bench: Bench) -> None:
    charger = await _charging(bench)
    bench.lost_meters.add("B")
    took = await bench.until(lambda: charger.allowed_a(1) <= 6.0, limit=60)
    bench.record("grid meter lost → failsafe current at the charger", took)
    assert took <= 30  # 25 s of holding, then the next cycle
    assert bench.working(charger)[-1] == 6.0
    assert bench.site is not None
    issue = ir.async_get(bench.hass).async_get_issue(
        DOMAIN, f"meter_stale_{bench.site.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {
        "site": "Home",
        "entities": "sensor.grid_current_l2 (unavailable)",
        "interval": "10",
    }
    await bench.run(20)
    assert charger.draw(1) == (6.0, 6.0, 6.0)
    # The meter comes back: so does the current, and the issue goes a minute later.
    bench.lost_meters.clear()
    await bench.until(lambda: charger.allowed_a(1) > 6.0, limit=30)
    await bench.run(65)
    assert (
        ir.async_get(bench.hass).async_get_issue(
            DOMAIN, f"meter_stale_{bench.site.entry_id}"
        )
        is None
    )


@pytest.mark.parametrize("offset_s", [0, 45, -45])
async def test_home_assistant_stopped(bench: Bench, offset_s: float) -> None:
    """HA goes away: the charger falls to its failsafe once the working profile ends.

    Judged by the charger's own clock, which runs `offset_s` ahead of Home Assistant's; never
    unlimited, never the charger's maximum, at no moment.
    """
    charger = await _charging(bench, offset_s=offset_s)
    await bench.run(30)
    last = bench.profiles(charger)[-1].payload["csChargingProfiles"]["chargingSchedule"]
    assert last["chargingSchedulePeriod"][0]["limit"] == 16.0
    await bench.stop_home_assistant()
    assert not charger.connected
    seen: list[float] = []
    for _ in range(300):
        await bench.tick()
        seen.append(charger.allowed_a(1))
    assert set(seen) <= {16.0, 6.0}
    took = seen.index(6.0) + 1
    bench.record(f"HA stopped → failsafe by the charger's clock ({offset_s:+} s)", took)
    assert seen[took - 1 :] == [6.0] * (len(seen) - took + 1)
    assert took <= 180 + 60 - offset_s  # the validity, the slack, the clock's lead
    assert charger.draw(1) == (6.0, 6.0, 6.0)


async def test_our_integration_unloaded(bench: Bench) -> None:
    """Only our integration goes (the OCPP integration stays): the same failsafe."""
    charger = await _charging(bench)
    assert bench.site is not None
    assert await bench.hass.config_entries.async_unload(bench.site.entry_id)
    took = await bench.until(lambda: charger.allowed_a(1) == 6.0, limit=300)
    bench.record("our integration unloaded → failsafe by the charger's clock", took)
    assert charger.connected
    await bench.run(120)
    assert charger.allowed_a(1) == 6.0


@pytest.mark.parametrize("keep_profiles", [False, True])
async def test_reboot(bench: Bench, keep_profiles: bool) -> None:
    """A charger that reboots gets both profiles back within a cycle of reconnecting.

    Without its profiles it would offer its own 32 A; the OCPP integration shows a reboot only
    as a reconnection (and new status notifications).
    """
    charger = await _charging(bench)
    bench.house["A"] = 12.0  # 13 A allowed: the car runs at 12 A (the limit band)
    await bench.until(lambda: charger.draw(1)[0] == 12.0, limit=120)
    await bench.run(20)
    seen = len(charger.received)
    await charger.reboot(keep_profiles=keep_profiles)
    took, at_maximum = 0, 0
    while not (charger.connected and len(bench.profiles(charger, since=seen)) >= 2):
        await bench.tick()
        took += 1
        at_maximum += charger.connectors[1].offered_a == 32.0
        assert took <= 30, "profiles not reinstalled"
    kind = "kept" if keep_profiles else "lost"
    bench.record(f"charger reboot (profiles {kind}) → both profiles back", took)
    assert took <= 6  # it reconnects after a second, then within a cycle
    reinstalled = [
        m.payload["csChargingProfiles"]["chargingProfileId"]
        for m in bench.profiles(charger, since=seen)
    ]
    assert reinstalled[:2] == [1801, 1901]
    assert {p.id for p in charger.profiles.profiles} == {1801, 1901}
    bench.record(
        f"charger reboot (profiles {kind}) → s offering its own 32 A", at_maximum
    )
    assert at_maximum <= 2
    over = 0.0
    for _ in range(30):
        await bench.tick()
        over += bench.over_breaker()
        assert charger.connectors[1].offered_a <= 13.0
    bench.record(
        f"charger reboot (profiles {kind}) → A·s over the breaker in 30 s", round(over)
    )


@pytest.mark.parametrize("offset_s", [300, -300])
async def test_five_minutes_of_clock_drift(bench: Bench, offset_s: float) -> None:
    """Minutes off: behind, the limit applies at once and outlives HA by the offset; ahead,
    the working profile has lapsed on arrival and the charger keeps its failsafe — never more.
    """
    bench.clock_offset["CP-0042"] = timedelta(seconds=offset_s)
    charger = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    await bench.add_site()
    await bench.add_connector("garage", name="Car")
    charger.plug_in(1, Car(phases=3, max_a=32))
    seen: list[float] = []
    for _ in range(240):
        await bench.tick()
        seen.append(charger.allowed_a(1))
    if offset_s > 0:
        assert set(seen[10:]) == {6.0}  # its failsafe, all along
        bench.record("charger clock 5 min ahead: what it applies (A)", 6.0)
        return
    assert seen[-1] == 16.0  # the working profile applies at once
    await bench.stop_home_assistant()
    after: list[float] = []
    for _ in range(600):
        await bench.tick()
        after.append(charger.allowed_a(1))
    assert set(after) <= {16.0, 6.0}
    took = after.index(6.0) + 1
    bench.record("charger clock 5 min behind: HA stopped → failsafe", took)
    assert took <= 180 + 300

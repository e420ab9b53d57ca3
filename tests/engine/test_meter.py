"""The grid meter watch: a meter that does not follow our own loads is not live."""

from __future__ import annotations

from custom_components.dynamic_ocpp_evse.engine.meter import (
    MeterHealth,
    MeterState,
    MeterVerdict,
    watch,
)
from custom_components.dynamic_ocpp_evse.engine.model import (
    Evse,
    Phase,
    Session,
    Site,
    Snapshot,
    Switched,
)

SITE = Site(phases=(Phase.A,))


def _snapshot(grid: float | None, car: float | None, *, age: float = 0.0) -> Snapshot:
    return Snapshot(
        site=SITE,
        grid_a={Phase.A: grid},
        grid_age_s={Phase.A: age},
        loads=(
            Evse(id="car", wired=(Phase.A,), line_a=(car,), session=Session.CHARGING),
        ),
    )


Timeline = list[tuple[float, float | None, float | None]]


def _run(
    timeline: Timeline,
) -> list[tuple[float, MeterVerdict]]:
    """Feed (t, grid reading, the car's reading) every 5 s; return every verdict."""
    state = MeterState()
    verdicts = []
    for now, grid, car in timeline:
        state, verdict = watch(
            state, _snapshot(grid, car), now=now, stale_timeout_s=25, reaction_s=10
        )
        verdicts.append((now, verdict))
    return verdicts


def test_a_live_meter_passes_although_the_chargers_reading_lags_it_by_50_s() -> None:
    # The car goes from 16 A to 6 A at t=100: the grid shows it at once, the charger's own
    # reading (sampled every 60 s) only at t=150.
    timeline: Timeline = [
        (float(t), 5.0 + (16 if t < 100 else 6), 16.0 if t < 150 else 6.0)
        for t in range(0, 300, 5)
    ]
    assert all(v.health is MeterHealth.LIVE for _, v in _run(timeline))


def test_a_frozen_meter_is_blind_once_a_load_change_does_not_show() -> None:
    # The meter stopped moving at t=0 (it still reports); the car drops 10 A at t=100.
    timeline: Timeline = [
        (float(t), 21.0, 16.0 if t < 100 else 6.0) for t in range(0, 200, 5)
    ]
    verdicts = dict(_run(timeline))
    assert verdicts[115].health is MeterHealth.LIVE
    assert verdicts[120].health is MeterHealth.BLIND  # interval 10 s + reaction 10 s
    assert verdicts[120].not_following == {Phase.A}
    assert verdicts[195].health is MeterHealth.BLIND


def test_a_stuck_meter_is_trusted_again_once_it_moves() -> None:
    timeline: Timeline = [
        (float(t), 21.0, 16.0 if t < 100 else 6.0) for t in range(0, 130, 5)
    ]
    timeline += [(130.0, 11.0, 6.0), (135.0, 11.0, 6.0)]
    verdicts = dict(_run(timeline))
    assert verdicts[125].health is MeterHealth.BLIND
    assert verdicts[130].health is MeterHealth.LIVE
    assert not verdicts[135].not_following


def test_small_changes_and_a_gap_in_a_loads_reading_start_no_check() -> None:
    timeline: Timeline = [
        (float(t), 21.0, 16.0 - (t % 10) / 5) for t in range(0, 300, 5)
    ]
    timeline += [(300.0, 21.0, None), (305.0, 21.0, 15.0), (310.0, 21.0, None)]
    timeline += [(float(t), 21.0, 16.0) for t in range(315, 400, 5)]
    assert all(v.health is MeterHealth.LIVE for _, v in _run(timeline))


def test_a_plug_without_a_power_monitor_is_not_a_measurement() -> None:
    state = MeterState()
    for now, on in ((0.0, False), (5.0, True), (30.0, True), (60.0, True)):
        plug = Switched(id="heater", wired=(Phase.A,), power_w=2300, is_on=on)
        snapshot = Snapshot(site=SITE, grid_a={Phase.A: 5.0}, loads=(plug,))
        state, verdict = watch(
            state, snapshot, now=now, stale_timeout_s=25, reaction_s=10
        )
        assert verdict.health is MeterHealth.LIVE


def test_a_reading_older_than_the_interval_holds_then_blinds() -> None:
    state = MeterState()
    seen = {}
    for age in (0.0, 10.0, 15.0, 24.0, 25.0):
        state, verdict = watch(
            state,
            _snapshot(20.0, 16.0, age=age),
            now=100.0 + age,
            stale_timeout_s=25,
            reaction_s=10,
        )
        seen[age] = verdict.health
    assert seen == {
        0.0: MeterHealth.LIVE,
        10.0: MeterHealth.LIVE,
        15.0: MeterHealth.HOLD,
        24.0: MeterHealth.HOLD,
        25.0: MeterHealth.BLIND,
    }


def test_a_missing_reading_holds_for_the_stale_timeout() -> None:
    state = MeterState()
    seen = []
    for now in (0.0, 5.0, 25.0, 30.0):
        state, verdict = watch(
            state, _snapshot(None, 16.0), now=now, stale_timeout_s=25, reaction_s=10
        )
        assert verdict.silent == {Phase.A}
        seen.append(verdict.health)
    assert seen == [
        MeterHealth.HOLD,
        MeterHealth.HOLD,
        MeterHealth.BLIND,
        MeterHealth.BLIND,
    ]


def test_the_startup_grace_lasts_until_every_phase_has_read() -> None:
    state = MeterState(grace_until=60.0)
    seen = []
    for now, grid in (
        (0.0, None),
        (30.0, None),
        (35.0, 20.0),
        (40.0, None),
        (65.0, None),
    ):
        state, verdict = watch(
            state, _snapshot(grid, 16.0), now=now, stale_timeout_s=25, reaction_s=10
        )
        seen.append(verdict.health)
    # Missing for 30 s at the start: held; once read, a loss blinds 25 s later as always.
    assert seen == [
        MeterHealth.HOLD,
        MeterHealth.HOLD,
        MeterHealth.LIVE,
        MeterHealth.HOLD,
        MeterHealth.BLIND,
    ]

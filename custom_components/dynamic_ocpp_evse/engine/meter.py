"""Is the grid meter live? Its age, and whether it follows what our own loads do.

Stale means *not live*, not *unchanged*: a meter that keeps reporting the same value is live,
one whose reading is older than its update interval (a site setting) is not, and neither is
one that does not move when a managed load's measured draw changes by a few amps on its phase
(the plausibility check: a frozen device, or a meter that does not measure what the site says).

- live: the engine runs as usual;
- hold: a reading missing or older than the interval: nothing rises, decreases go out;
- blind: missing for the stale timeout, older than the interval and the timeout, or not
  following: the safe state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import math

from .model import Evse, Phase, Snapshot

# When the managed loads' measured draw on a phase spans this much within CHECK_LOOKBACK_S...
CHECK_STEP_A = 3.0
# ...the meter of that phase must span at least half as much between twice that long before
# (a charger's own reading may lag its draw by its sample interval, 60 s by default in the
# OCPP integration, and the change may lie anywhere in the span) and its update interval and
# the reaction time after. A frozen meter spans nothing at all.
CHECK_LOOKBACK_S = 60.0


class MeterHealth(StrEnum):
    """What the grid readings allow this cycle."""

    LIVE = "live"
    HOLD = "hold"  # nothing rises
    BLIND = "blind"  # the safe state


@dataclass(frozen=True, slots=True)
class _Sample:
    """One cycle's readings of a phase: the meter, and what the measured loads drew."""

    t: float
    meter_a: float  # the grid reading, with a battery's part of it added back
    loads: frozenset[str]  # the loads measured on the phase
    managed_a: float  # what they drew


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterState:
    """What the watch remembers between cycles."""

    missing_since: float | None = None
    history: Mapping[Phase, tuple[_Sample, ...]] = field(default_factory=dict)
    checks: Mapping[Phase, float] = field(default_factory=dict)  # started at
    # Phases whose meter did not follow, with the reading it was stuck at.
    stuck_at: Mapping[Phase, float] = field(default_factory=dict)
    # Until then (after a start, while the meters' integrations come up) a missing reading
    # holds the commands but does not blind the site; the grace ends once every phase read.
    grace_until: float = -math.inf
    # What PV and battery fed into each phase (A), cycle by cycle over the lending memory: the
    # breaker lends only the least of it (docs/design.md §4.4).
    backing: tuple[tuple[float, Mapping[Phase, float]], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterVerdict:
    """This cycle's health of the grid readings, and the phases behind it."""

    health: MeterHealth = MeterHealth.LIVE
    silent: frozenset[Phase] = frozenset()  # missing, or older than the interval
    not_following: frozenset[Phase] = frozenset()  # failed the plausibility check


def watch(
    state: MeterState,
    snapshot: Snapshot,
    *,
    now: float,
    stale_timeout_s: float,
    reaction_s: float,
) -> tuple[MeterState, MeterVerdict]:
    """Judge this cycle's grid readings and update what the watch remembers."""
    readings: dict[Phase, float] = {}
    missing: set[Phase] = set()
    for phase in snapshot.site.phases:
        value = snapshot.grid_a.get(phase)
        if value is None or not math.isfinite(value):
            missing.add(phase)
        else:
            readings[phase] = value
    if missing:
        return _while_missing(state, missing, now=now, stale_timeout_s=stale_timeout_s)
    history, checks, stuck = _check_following(
        state, snapshot, readings, now=now, reaction_s=reaction_s
    )
    interval = snapshot.site.meter_interval_s
    ages = snapshot.grid_age_s
    silent = frozenset(p for p in readings if ages.get(p, 0.0) > interval)
    oldest = max((ages.get(p, 0.0) for p in silent), default=0.0)
    if stuck or oldest >= max(interval, stale_timeout_s):
        health = MeterHealth.BLIND
    elif silent:
        health = MeterHealth.HOLD
    else:
        health = MeterHealth.LIVE
    new_state = MeterState(
        history=history, checks=checks, stuck_at=stuck, backing=state.backing
    )
    return new_state, MeterVerdict(
        health=health, silent=silent, not_following=frozenset(stuck)
    )


def _while_missing(
    state: MeterState, missing: set[Phase], *, now: float, stale_timeout_s: float
) -> tuple[MeterState, MeterVerdict]:
    """A phase without a reading: hold, then blind after the stale timeout (not in the grace).

    The plausibility checks cannot be judged without the readings: they start again afterwards.
    """
    since = state.missing_since if state.missing_since is not None else now
    blind = (now - since >= stale_timeout_s and now >= state.grace_until) or bool(
        state.stuck_at
    )
    kept = MeterState(
        missing_since=since,
        stuck_at=state.stuck_at,
        grace_until=state.grace_until,
        backing=state.backing,
    )
    return kept, MeterVerdict(
        health=MeterHealth.BLIND if blind else MeterHealth.HOLD,
        silent=frozenset(missing),
        not_following=frozenset(state.stuck_at),
    )


def _check_following(
    state: MeterState,
    snapshot: Snapshot,
    readings: dict[Phase, float],
    *,
    now: float,
    reaction_s: float,
) -> tuple[dict[Phase, tuple[_Sample, ...]], dict[Phase, float], dict[Phase, float]]:
    """The plausibility check of every phase: its samples, running checks and stuck meters.

    A check starts when our loads' measured draw on a phase spans CHECK_STEP_A; once the meter
    had its interval and the loads their reaction time, the meter must have moved by half of it.
    """
    interval = snapshot.site.meter_interval_s
    managed = _measured_draw(snapshot)
    history: dict[Phase, tuple[_Sample, ...]] = {}
    checks = dict(state.checks)
    stuck = {
        phase: value
        for phase, value in state.stuck_at.items()
        if phase in readings and abs(readings[phase] - value) < CHECK_STEP_A
    }
    battery_a = _battery_share_a(snapshot)
    horizon = now - 2 * CHECK_LOOKBACK_S - interval - reaction_s
    for phase, reading in readings.items():
        loads, amps = managed.get(phase, (frozenset(), 0.0))
        if battery_a is None:  # a battery without a reading hides what the loads do
            checks.pop(phase, None)
            continue
        samples = (
            *(s for s in state.history.get(phase, ()) if s.t >= horizon),
            _Sample(now, reading + battery_a, loads, amps),
        )
        history[phase] = samples
        started = checks.get(phase)
        if started is None:
            since = max(now - CHECK_LOOKBACK_S, state.checks.get(phase, -math.inf))
            drawn = [s.managed_a for s in samples if s.t >= since and s.loads == loads]
            if loads and max(drawn) - min(drawn) >= CHECK_STEP_A:
                checks[phase] = now
        elif now - started >= interval + reaction_s:
            del checks[phase]
            if _moved_with(samples, started, loads):
                stuck.pop(phase, None)
            else:
                stuck[phase] = reading
    return history, checks, stuck


def _moved_with(
    samples: tuple[_Sample, ...], started: float, loads: frozenset[str]
) -> bool:
    """Whether the meter moved by at least half of what our loads' draw spanned."""
    window = [s for s in samples if s.t >= started - 2 * CHECK_LOOKBACK_S]
    drawn = [s.managed_a for s in window if s.t <= started and s.loads == loads]
    seen = [s.meter_a for s in window]
    return max(seen) - min(seen) >= (max(drawn, default=0) - min(drawn, default=0)) / 2


def _measured_draw(snapshot: Snapshot) -> dict[Phase, tuple[frozenset[str], float]]:
    """Per phase: the loads measured on it, and what they draw.

    Loads without a measurement (a plug without a power monitor) are left out.
    """
    voltage = snapshot.site.voltage
    draw: dict[Phase, tuple[frozenset[str], float]] = {}
    for load in snapshot.loads:
        if isinstance(load, Evse):
            lines = [(p, a) for p, a in load.measured_by_line() if math.isfinite(a)]
        elif (
            load.measured_w is not None
            and math.isfinite(load.measured_w)
            and load.wired
        ):
            per_line = load.measured_w / (voltage * len(load.wired))
            lines = [(phase, per_line) for phase in load.wired]
        else:
            continue
        for phase, amps in lines:
            loads, total = draw.get(phase, (frozenset(), 0.0))
            draw[phase] = (loads | {load.id}, total + amps)
    return draw


def _battery_share_a(snapshot: Snapshot) -> float | None:
    """A battery's discharge per phase (A), spread evenly; None when its power is unknown.

    A battery that holds the grid at zero answers our loads' changes itself: the meter and the
    battery together must follow them.
    """
    battery = snapshot.battery
    if battery is None:
        return 0.0
    power = battery.power_w
    if power is None or not math.isfinite(power):
        return None
    site = snapshot.site
    return power / (site.voltage * max(len(site.phases), 1))

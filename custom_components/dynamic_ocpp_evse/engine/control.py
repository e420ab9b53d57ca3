"""Control over time (docs/design.md §5): a pure state machine per load, the clock passed in.

A cycle is: `prepare` each load (what the engine may do with it this cycle), `allocate` the
snapshot, then `step` each load with its allocation to get the command to send. Decreases are
applied at once; increases ramp; Solar/Excess loads start after an enable delay and stop after a
disable delay, holding their minimum meanwhile; a stopped load pauses; stops per session are
budgeted; stale grid data holds commands, then falls to the safe state.
"""

from __future__ import annotations

from dataclasses import replace
import math
from typing import Any

from .draw import car_limit, resting, watch_draw, watch_short
from .meter import MeterHealth
from .model import SURPLUS_MODES, Allocation, ControlFlags, Mode, Reason
from .state import Command, ControlParams, LoadState
from .steps import on_step
from .timers import lasted, shortfall, since_or, surplus_credit

REFRESH_AT = 2 / 3  # of a command's lifetime: a missed refresh still leaves a third
_USER_STOPS = frozenset(
    {
        Reason.MODE_OFF,
        Reason.STOPPED_NOW,
        Reason.NO_CAR,
        Reason.FINISHED,
        Reason.NOT_DRAWING,
    }
)


def prepare(
    state: LoadState,
    *,
    mode: Mode,
    active: bool,
    now: float,
    params: ControlParams,
    release_after_s: float,
    drawing: bool | None = None,
    drawn_a: float | None = None,
    drawing_lines: int = 0,
    car_lines: int = 0,
    grid_carries: bool = True,
    min_on_s: float = 0.0,
    min_off_s: float = 0.0,
) -> tuple[LoadState, ControlFlags]:
    """Update the state for a mode change or a new session, and tell the engine what it may do.

    A mode change by the user cancels the pause and resets the delays; unplugging is not a stop
    and starts a new session with a fresh budget. `drawing` tells whether the load draws what
    it is offered (None: not known), and `release_after_s` how long it may not before it is
    released. `drawn_a` is what a charger's car draws now on its busiest line (None: not
    known), `drawing_lines` on how many lines (remembered for its next start, or the next
    car's); `car_lines` the user's setting, which wins over that. `grid_carries`: whether the
    grid may carry its minimum through the disable delay (not a thermal boost: surplus only).
    `min_on_s` and `min_off_s`: a compressor's minimum times on and off, whatever stopped it.
    """
    state = _begin(state, mode=mode, active=active)
    paused = (
        state.stopped_at is not None and now - state.stopped_at < params.min_pause_s
    ) or (state.switched_off_at is not None and now - state.switched_off_at < min_off_s)
    kept_on = (
        state.command_a > 0
        and state.switched_on_at is not None
        and now - state.switched_on_at < min_on_s
    )
    surplus_mode = mode in SURPLUS_MODES
    enabled = not surplus_mode or lasted(state.enough_since, now, params.enable_delay_s)
    may_release = (
        lasted(state.missing_since, now, params.disable_delay_s)
        and state.stops < params.max_stops_per_session
    )
    state = watch_draw(
        state,
        active=active,
        drawing=drawing,
        now=now,
        patience_s=release_after_s,
        probe_s=params.probe_s,
    )
    state = watch_short(state, drawn_a if drawing else None, now)
    if drawing_lines:
        state = replace(state, lines_seen=drawing_lines)
    flags = ControlFlags(
        may_start=not paused and enabled,
        paused=paused,
        keep_minimum=kept_on
        or (state.command_a > 0 and surplus_mode and grid_carries and not may_release),
        command_a=state.command_a,
        allowed_a=_allowed(state, now, params),
        resting=resting(state, now, params),
        car_limit_a=car_limit(state, drawn_a, now, params),
        expected_lines=0 if drawing_lines else car_lines or state.lines_seen,
    )
    return state, flags


def settling(state: LoadState, now: float, params: ControlParams) -> bool:
    """Whether the load may still be following a lower command (its reaction time)."""
    return state.lowered_at is not None and now - state.lowered_at < params.reaction_s


def _allowed(state: LoadState, now: float, params: ControlParams) -> float | None:
    """The most the load may draw now: its command, or the one before while it reacts.

    None before the first command (a load found running after a restart keeps its draw).
    """
    if state.sent_at is None:
        return None
    if settling(state, now, params):
        return max(state.command_a, state.lowered_from_a)
    return state.command_a


def _begin(state: LoadState, *, mode: Mode, active: bool) -> LoadState:
    """A new session or a mode change by the user: no pause, the delays start again."""
    new_session = active and not state.active
    if new_session or (state.mode is not None and mode is not state.mode):
        state = replace(
            state,
            stops=0 if new_session else state.stops,
            stopped_at=None,
            enough_since=None,
            enough_s=0.0,
            missing_since=None,
        )
    if mode is not state.mode or active is not state.active:
        state = replace(state, mode=mode, active=active)
    return state


def step(
    state: LoadState,
    allocation: Allocation,
    *,
    now: float,
    params: ControlParams,
    lifetime_s: float | None = None,
    settling: bool = False,
    meter: MeterHealth = MeterHealth.LIVE,
    step_a: float = 0.0,
) -> tuple[LoadState, Command]:
    """Turn this cycle's allocation into the command for one load.

    While `settling` (a load of the site still follows a lower command) nothing rises: the
    meters cannot yet tell a load that followed from room that appeared. Nor while the grid
    meter's health is `hold`; when it is `blind`, the safe allocation applies.

    A load whose command lapses after `lifetime_s` (an OCPP working profile) gets it again
    once two thirds of that have passed, whatever it is — a 0 A pause included.
    """
    previous = state.command_a
    # What changes this cycle; the new state is made once (a cycle steps every load).
    changes: dict[str, Any] = {"rising_since": None}
    if allocation.reason is Reason.METER_STALE:
        command = previous  # hold, never raise, while the meter may come back
        if meter is MeterHealth.BLIND:
            command = min(previous, allocation.current_a)  # then the safe state
    else:
        command = _follow(
            state,
            allocation,
            changes,
            now=now,
            params=params,
            hold=settling or meter is not MeterHealth.LIVE,
            step_a=step_a,
        )
    changes.update(_note_change(state, command, allocation, now=now, params=params))
    due = (
        lifetime_s is not None
        and state.sent_at is not None
        and now - state.sent_at >= lifetime_s * REFRESH_AT
    )
    changed = not math.isclose(command, previous, abs_tol=1e-9)
    # A load drawing above what it is allowed is told again every cycle until it follows.
    send = changed or due or state.sent_at is None or allocation.overdraw_a > 0
    new_state = replace(
        state,
        **changes,
        command_a=command,
        stepped_at=now,
        sent_at=now if send else state.sent_at,
    )
    return new_state, Command(
        current_a=command,
        send=send,
        reason=allocation.reason,
        lines=len(allocation.lines),
    )


def _run_timers(
    state: LoadState,
    allocation: Allocation,
    *,
    now: float,
    elapsed: float,
    params: ControlParams,
) -> dict[str, Any]:
    """Run the start and stop timers.

    The enable timer runs while a stopped load could start, the disable timer while a running
    load's minimum is held without surplus.
    """
    if state.command_a > 0:
        return {
            "enough_since": None,
            "enough_s": 0.0,
            "missing_since": shortfall(state.missing_since, now, elapsed, allocation),
        }
    enough_since, enough_s = surplus_credit(
        state.enough_since,
        state.enough_s,
        allocation,
        now=now,
        elapsed=elapsed,
        delay=params.enable_delay_s,
    )
    return {"enough_since": enough_since, "enough_s": enough_s, "missing_since": None}


def _follow(
    state: LoadState,
    allocation: Allocation,
    changes: dict[str, Any],
    *,
    now: float,
    params: ControlParams,
    hold: bool,
    step_a: float,
) -> float:
    """The command that follows the allocation: timers, the next value, the rise budget.

    Nothing rises while `hold`; what changes in the state is added to `changes`.
    """
    previous = state.command_a
    elapsed = now - state.stepped_at if state.stepped_at is not None else 0.0
    changes.update(
        _run_timers(state, allocation, now=now, elapsed=elapsed, params=params)
    )
    command, rising_since = _next_command(
        state, allocation, running=previous > 0, now=now, params=params
    )
    if hold and command > previous:
        command, rising_since = previous, None
    command = on_step(command, allocation, step_a, previous)
    command, changes["rising_since"], changes["rises_spent"] = _spend_rise(
        state, command, rising_since, now=now, elapsed=elapsed, params=params
    )
    return command


def _spend_rise(
    state: LoadState,
    command: float,
    rising_since: float | None,
    *,
    now: float,
    elapsed: float,
    params: ControlParams,
) -> tuple[float, float | None, float]:
    """Pay a running load's rise from its budget, or hold it (ControlParams.rises_per_h).

    Spent: it waits. Half spent: a ramp goes out only once it reaches the target, in one
    write. Meanwhile the ramp keeps counting from where it began. Returns the command, the
    start of the rise and the rises spent.
    """
    previous = state.command_a
    spent = max(state.rises_spent - elapsed * params.rises_per_h / 3600, 0.0)
    if previous > 0 and command > previous + 1e-9:
        ramping = rising_since is not None
        if spent + 1.0 > params.rise_burst or (
            ramping and spent >= params.rise_burst / 2
        ):
            origin = state.stepped_at if state.stepped_at is not None else now
            return previous, since_or(state.rising_since, origin), spent
        spent += 1.0
    return command, rising_since, spent


def _note_change(
    state: LoadState,
    command: float,
    allocation: Allocation,
    *,
    now: float,
    params: ControlParams,
) -> dict[str, Any]:
    """Remember a decrease (the load's reaction time) and a stop (pause, stops budget)."""
    previous = state.command_a
    changes: dict[str, Any] = {}
    if math.isclose(command, previous, abs_tol=1e-9):
        return changes
    if command < previous:
        # What it may still draw while it follows: the highest command of its reaction time.
        allowed = _allowed(state, now, params)
        changes.update(lowered_from_a=max(previous, allowed or 0.0), lowered_at=now)
    if previous == 0:
        changes.update(switched_on_at=now)
    if previous > 0 and command == 0:
        changes.update(switched_off_at=now)
        counted = allocation.reason not in _USER_STOPS
        changes.update(
            stopped_at=now if counted else None,
            stops=state.stops + counted,
            enough_since=None,
            missing_since=None,
            enough_s=0.0,
        )
    return changes


HARD_BOUND = frozenset({Reason.BREAKER, Reason.IMPORT_CAP, Reason.GROUP})


def _next_command(
    state: LoadState,
    allocation: Allocation,
    *,
    running: bool,
    now: float,
    params: ControlParams,
) -> tuple[float, float | None]:
    """Return the command and the new start of the rise.

    Decreases at once; a start straight to the minimum; increases ramped from the moment the
    target rose above the command, and only in steps of at least the dead band — where a hard
    limit binds, towards the limit band below it.
    """
    target = allocation.current_a
    previous = state.command_a
    if target <= previous:
        return target, None
    if not running:
        return (allocation.min_a if 0 < allocation.min_a <= target else target), None
    if allocation.reason in HARD_BOUND:  # never below its minimum for the band
        target = min(
            target, max(target - params.limit_band_a, allocation.min_a, previous)
        )
    if target - previous < params.dead_band_a:
        # Not worth a write: no rise is pending, so none is credited for later.
        return previous, None
    rising_since = state.rising_since
    if rising_since is None:
        rising_since = state.stepped_at if state.stepped_at is not None else now
    raised = min(target, previous + params.ramp_a_per_s * max(now - rising_since, 0.0))
    if raised - previous < params.dead_band_a:
        return previous, rising_since
    return raised, None if raised >= target else now

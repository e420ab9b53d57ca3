"""What a load really draws, remembered between cycles (docs/design.md §5).

A switched load's power while it really runs, a car that limits itself, a load that draws
nothing when it is offered current.
"""

from __future__ import annotations

from dataclasses import replace
import math

from .model import Load, Switched
from .state import ControlParams, LoadState
from .timers import lasted, since_or

RUNNING_SHARE = 0.25  # of its rating: below this a switched load that is on is idle


def draws_its_power(load: Switched) -> bool | None:
    """Whether a switched load that is on draws at least RUNNING_SHARE of its power.

    None while it is off, or its power reading is missing or nonsense.
    """
    measured = load.measured_w
    if not load.is_on or measured is None or not math.isfinite(measured):
        return None
    return measured >= RUNNING_SHARE * load.power_w


def remember_power(state: LoadState, load: Load) -> tuple[LoadState, Load]:
    """A switched load's power for the engine: its rating, or what it drew when last running.

    Only a reading of the load really running is remembered: not one of a device whose own
    thermostat cut out (almost nothing), nor a negative or nonsense one.
    """
    if not isinstance(load, Switched):
        return state, load
    measured = load.measured_w
    if draws_its_power(load) and measured is not None and measured > 0:
        state = replace(state, running_w=measured)
    if state.running_w is not None:
        load = replace(load, power_w=state.running_w)
    return state, load


CAR_LIMIT_GAP_A = 2.0  # a car this far below its command for a while takes no more


def watch_short(state: LoadState, drawn_a: float | None, now: float) -> LoadState:
    """Note since when a drawing car has stayed well below its command."""
    short = drawn_a is not None and state.command_a - drawn_a >= CAR_LIMIT_GAP_A
    if not short:
        return replace(state, short_since=None)
    return replace(state, short_since=since_or(state.short_since, now))


def car_limit(
    state: LoadState, drawn_a: float | None, now: float, params: ControlParams
) -> float | None:
    """The most a car that limits itself is offered: what it draws and a little more.

    The rest goes to the others at once. A car that rises towards that limit is no longer
    short of its command, and the limit is lifted.
    """
    if drawn_a is None or not lasted(state.short_since, now, params.car_limit_after_s):
        return None
    return drawn_a + CAR_LIMIT_GAP_A


def watch_draw(
    state: LoadState,
    *,
    active: bool,
    drawing: bool | None,
    now: float,
    patience_s: float,
    probe_s: float,
) -> LoadState:
    """Note a load that is offered current and draws none; release it when that lasts.

    A load released once is let go again after a short probe that finds it still not drawing.
    """
    if not active or drawing:
        return replace(state, quiet_since=None, resting_since=None)
    quiet_since = state.quiet_since
    if state.command_a > 0 and drawing is False:
        quiet_since = quiet_since if quiet_since is not None else now
    elif state.command_a == 0:
        quiet_since = None
    resting_since = state.resting_since
    patience = probe_s if resting_since is not None else patience_s
    if quiet_since is not None and now - quiet_since >= patience:
        resting_since, quiet_since = now, None
    return replace(state, quiet_since=quiet_since, resting_since=resting_since)


def resting(state: LoadState, now: float, params: ControlParams) -> bool:
    """Released, and not in one of its retries."""
    if state.resting_since is None:
        return False
    return now - state.resting_since < params.retry_every_s

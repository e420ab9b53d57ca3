"""Control over time (docs/design.md §5): a pure state machine per load, the clock passed in.

A cycle is: `prepare` each load (what the engine may do with it this cycle), `allocate` the
snapshot, then `step` each load with its allocation to get the command to send. Decreases are
applied at once; increases ramp; Solar/Excess loads start after an enable delay and stop after a
disable delay, holding their minimum meanwhile; a stopped load pauses; stops per session are
budgeted; stale grid data holds commands, then falls to the safe state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import math

from .meter import MeterHealth
from .model import SURPLUS_MODES, Allocation, ControlFlags, Load, Mode, Reason, Switched

REFRESH_AT = 2 / 3  # of a command's lifetime: a missed refresh still leaves a third
_USER_STOPS = frozenset(
    {Reason.MODE_OFF, Reason.NO_CAR, Reason.FINISHED, Reason.NOT_DRAWING}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlParams:
    """Timing of the control; every value has a default a user may change."""

    ramp_a_per_s: float = 0.5  # how fast an increase may rise
    dead_band_a: float = 0.5  # increases smaller than this are not sent
    # Where a hard limit binds, a rise aims this far below it: the house load's small swings
    # then need no write. A decrease the limit needs always goes out at once.
    limit_band_a: float = 1.0
    # Surplus must cover the minimum this long before a start (net of the shortfall of
    # shadows between).
    enable_delay_s: float = 60.0
    disable_delay_s: float = 180.0  # surplus may be missing this long before a stop
    min_pause_s: float = 180.0  # a stopped load stays off at least this long
    max_stops_per_session: int = 6  # then delay-driven stops become "hold the minimum"
    # Stale grid data: hold commands this long, then safe state (with the next cycle, the
    # failsafe reaches the charger within 30 s of the last live reading).
    stale_timeout_s: float = 25.0
    # A load may take this long to follow a lower command; until then it may draw the higher.
    reaction_s: float = 10.0
    # A car offered current that draws none this long is released (full, or not charging) and
    # offered current again every `retry_every_s`, for `probe_s`.
    release_after_s: float = 600.0
    # The same for a switched Solar/Excess load that is on and draws almost nothing (its device
    # finished): longer, so a device's quiet phase mid-programme (soaking, drying) is not cut.
    switched_release_after_s: float = 1800.0
    # A car that draws well below its command this long limits itself: it is offered only a
    # little more than it draws (two of a charger's 60 s samples: its reading lags its draw).
    car_limit_after_s: float = 120.0
    retry_every_s: float = 1800.0
    probe_s: float = 120.0
    # A running load rises at most this many times an hour on average, in bursts of up to
    # `rise_burst` (a ramp step is a rise; with half the burst spent a ramp is sent only
    # whole): a command that follows every passing cloud wears a charger's memory. A rise
    # held back is safe; decreases, starts and stops never wait.
    rises_per_h: float = 15.0
    rise_burst: float = 10.0
    # The breaker lends PV- and battery-backed room only as far as they fed it all this time:
    # after a dip, not again at once (docs/design.md §4.4).
    lend_memory_s: float = 600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadState:
    """What the control remembers about one load between cycles."""

    command_a: float = 0.0  # the current commanded now (0 = stopped)
    mode: Mode | None = None  # the mode in force at the last cycle
    active: bool = False  # whether the load took part (car plugged, mode not off)
    stepped_at: float | None = None  # when the last cycle ran
    # The target has been above the command since (ramp).
    rising_since: float | None = None
    # The surplus has paid the minimum since (enable delay), and by how much more, net of
    # shadows meanwhile (seconds of the minimum).
    enough_since: float | None = None
    enough_s: float = 0.0
    missing_since: float | None = None  # surplus has been missing since (disable delay)
    stopped_at: float | None = None  # start of the minimum pause
    stops: int = 0  # stops in this plug-in session
    sent_at: float | None = None  # when a command was last written
    # The command before the last decrease, and when that came (the load's reaction time).
    lowered_from_a: float = 0.0
    lowered_at: float | None = None
    # A switched load's power when it was last seen really running (its power monitor).
    running_w: float | None = None
    quiet_since: float | None = None  # offered current, drawing none, since
    short_since: float | None = None  # drawing well below its command, since
    # Lines a charger's car drew on when it last drew (0: never seen).
    lines_seen: int = 0
    resting_since: float | None = None  # released for drawing none, since
    # Rises spent, less what time has given back (see ControlParams.rises_per_h).
    rises_spent: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """What to do with a load this cycle."""

    current_a: float  # per line
    send: bool  # write it: the value changed, or a profile must be refreshed before it expires
    reason: Reason
    # Lines the current is drawn on (converting to W for chargers that want W).
    lines: int = 0
    # Whether those are the lines the car is seen drawing on, or only the wired ones.
    lines_seen: bool = False


def prepare(
    state: LoadState,
    *,
    mode: Mode,
    active: bool,
    now: float,
    params: ControlParams,
    drawing: bool | None = None,
    release_after_s: float | None = None,
    drawn_a: float | None = None,
    drawing_lines: int = 0,
    car_lines: int = 0,
) -> tuple[LoadState, ControlFlags]:
    """Update the state for a mode change or a new session, and tell the engine what it may do.

    A mode change by the user cancels the pause and resets the delays; unplugging is not a stop
    and starts a new session with a fresh budget. `drawn_a` is what a charger's car draws now
    on its busiest line (None: not known), `drawing_lines` on how many lines (remembered for
    its next start, or the next car's); `car_lines` the user's setting, which wins over that.
    """
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

    paused = (
        state.stopped_at is not None and now - state.stopped_at < params.min_pause_s
    )
    surplus_mode = mode in SURPLUS_MODES
    enabled = not surplus_mode or _elapsed(
        state.enough_since, now, params.enable_delay_s
    )
    may_release = (
        _elapsed(state.missing_since, now, params.disable_delay_s)
        and state.stops < params.max_stops_per_session
    )
    state = _watch_draw(
        state,
        active=active,
        drawing=drawing,
        now=now,
        patience_s=release_after_s or params.release_after_s,
        probe_s=params.probe_s,
    )
    state = _watch_short(state, drawn_a if drawing else None, now)
    if drawing_lines:
        state = replace(state, lines_seen=drawing_lines)
    flags = ControlFlags(
        may_start=not paused and enabled,
        keep_minimum=state.command_a > 0 and surplus_mode and not may_release,
        command_a=state.command_a,
        allowed_a=_allowed(state, now, params),
        resting=_resting(state, now, params),
        car_limit_a=_car_limit(state, drawn_a, now, params),
        expected_lines=0 if drawing_lines else car_lines or state.lines_seen,
    )
    return state, flags


CAR_LIMIT_GAP_A = 2.0  # a car this far below its command for a while takes no more


def _watch_short(state: LoadState, drawn_a: float | None, now: float) -> LoadState:
    """Note since when a drawing car has stayed well below its command."""
    short = drawn_a is not None and state.command_a - drawn_a >= CAR_LIMIT_GAP_A
    if not short:
        return replace(state, short_since=None)
    return replace(state, short_since=_since(state.short_since, now))


def _car_limit(
    state: LoadState, drawn_a: float | None, now: float, params: ControlParams
) -> float | None:
    """The most a car that limits itself is offered: what it draws and a little more.

    The rest goes to the others at once. A car that rises towards that limit is no longer
    short of its command, and the limit is lifted.
    """
    if drawn_a is None or not _elapsed(
        state.short_since, now, params.car_limit_after_s
    ):
        return None
    return drawn_a + CAR_LIMIT_GAP_A


def _watch_draw(
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


def _resting(state: LoadState, now: float, params: ControlParams) -> bool:
    """Released, and not in one of its retries."""
    if state.resting_since is None:
        return False
    return now - state.resting_since < params.retry_every_s


RUNNING_SHARE = 0.25  # of its rating: below this a switched load that is on is idle


def remember_power(state: LoadState, load: Load) -> tuple[LoadState, Load]:
    """A switched load's power for the engine: its rating, or what it drew when last running.

    Only a reading of the load really running is remembered: not one of a device whose own
    thermostat cut out (almost nothing), nor a negative or nonsense one.
    """
    if not isinstance(load, Switched):
        return state, load
    measured = load.measured_w
    if (
        load.is_on
        and measured is not None
        and math.isfinite(measured)
        and measured >= RUNNING_SHARE * load.power_w
        and measured > 0
    ):
        state = replace(state, running_w=measured)
    if state.running_w is not None:
        load = replace(load, power_w=state.running_w)
    return state, load


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
    running = previous > 0
    enough_since, missing_since = state.enough_since, state.missing_since
    enough_s, spent = state.enough_s, state.rises_spent
    rising_since = None
    if allocation.reason is Reason.METER_STALE:
        command = previous  # hold, never raise, while the meter may come back
        if meter is MeterHealth.BLIND:
            command = min(previous, allocation.current_a)  # then the safe state
    else:
        # The enable timer runs while a stopped load could start, the disable timer while a
        # running load's minimum is held without surplus.
        elapsed = now - state.stepped_at if state.stepped_at is not None else 0.0
        if running:
            enough_since, enough_s = None, 0.0
            missing_since = _shortfall(missing_since, now, elapsed, allocation)
        else:
            enough_since, enough_s = _surplus_credit(
                enough_since,
                enough_s,
                allocation,
                now=now,
                elapsed=elapsed,
                delay=params.enable_delay_s,
            )
            missing_since = None
        command, rising_since = _next_command(
            state, allocation, running=running, now=now, params=params
        )
        if (settling or meter is not MeterHealth.LIVE) and command > previous:
            command, rising_since = previous, None
        command = on_step(command, allocation, step_a, previous)
        spent = max(spent - elapsed * params.rises_per_h / 3600, 0.0)
        if running and command > previous + 1e-9:
            # Spent: it waits. Half spent: a ramp goes out only once it reaches the target,
            # in one write. Meanwhile the ramp keeps counting from where it began.
            ramping = rising_since is not None
            if spent + 1.0 > params.rise_burst or (
                ramping and spent >= params.rise_burst / 2
            ):
                command = previous
                origin = state.stepped_at if state.stepped_at is not None else now
                rising_since = _since(state.rising_since, origin)
            else:
                spent += 1.0
    stopped_at, stops = state.stopped_at, state.stops
    changed = not math.isclose(command, previous, abs_tol=1e-9)
    lowered_from, lowered_at = state.lowered_from_a, state.lowered_at
    if changed and command < previous:
        # What it may still draw while it follows: the highest command of its reaction time.
        allowed = _allowed(state, now, params)
        lowered_from, lowered_at = max(previous, allowed or 0.0), now
    if changed and running and command == 0:
        counted = allocation.reason not in _USER_STOPS
        stopped_at = now if counted else None
        stops += counted
        enough_since = missing_since = None
        enough_s = 0.0
    due = (
        lifetime_s is not None
        and state.sent_at is not None
        and now - state.sent_at >= lifetime_s * REFRESH_AT
    )
    # A load drawing above what it is allowed is told again every cycle until it follows.
    send = changed or due or state.sent_at is None or allocation.overdraw_a > 0
    new_state = LoadState(
        command_a=command,
        mode=state.mode,
        active=state.active,
        stepped_at=now,
        rising_since=rising_since,
        enough_since=enough_since,
        enough_s=enough_s,
        missing_since=missing_since,
        stopped_at=stopped_at,
        stops=stops,
        sent_at=now if send else state.sent_at,
        lowered_from_a=lowered_from,
        lowered_at=lowered_at,
        running_w=state.running_w,
        quiet_since=state.quiet_since,
        resting_since=state.resting_since,
        short_since=state.short_since,
        lines_seen=state.lines_seen,
        rises_spent=spent,
    )
    return new_state, Command(
        current_a=command,
        send=send,
        reason=allocation.reason,
        lines=len(allocation.lines),
    )


SURPLUS_BOUND = frozenset({Reason.SURPLUS, Reason.EXCESS})
HARD_BOUND = frozenset({Reason.BREAKER, Reason.IMPORT_CAP, Reason.GROUP})
# Where only the surplus binds, a command goes up a step from below once the target is this
# share of a step past it, and back down from above once it is less than this one.
STEP_UP_AT = 0.9
STEP_DOWN_BELOW = 0.6


def on_step(
    amps: float, allocation: Allocation, step_a: float, previous: float = 0.0
) -> float:
    """A command the charger applies as it is: a whole multiple of its current step.

    Down, so that no hard limit is passed (a rise needs a quarter step of room beyond the
    step) — except where the surplus binds: to the nearest step (up only as far as the hard
    limits allow): up from below once the target is three quarters of a step past a step,
    down from above once it is less than half, so noise does not flip it. Never below the
    load's minimum.
    """
    if step_a <= 0 or amps <= 0:
        return amps
    down = math.floor(amps / step_a + 1e-9) * step_a
    if amps - down < 1e-9:
        return amps  # on a step already
    up = down + step_a
    fits = up <= amps + allocation.hard_room_a + 1e-9
    if down < allocation.min_a - 1e-9:
        return up if fits else amps
    if allocation.reason not in SURPLUS_BOUND or not fits:
        # A rise to the next step needs a quarter step of room beyond it: a target that
        # hovers at a step's edge does not make the command go up and down.
        guarded = math.floor((amps - step_a / 4) / step_a + 1e-9) * step_a
        if previous <= down and guarded >= allocation.min_a - 1e-9:
            return max(guarded, min(previous, down))
        return down
    rising = not math.isclose(previous, up)
    share = STEP_UP_AT if rising else STEP_DOWN_BELOW
    return up if amps - down >= share * step_a else down


def _elapsed(since: float | None, now: float, delay: float) -> bool:
    return since is not None and now - since >= delay


def _since(since: float | None, now: float) -> float:
    return since if since is not None else now


def _surplus_credit(
    since: float | None,
    balance: float,
    allocation: Allocation,
    *,
    now: float,
    elapsed: float,
    delay: float,
) -> tuple[float | None, float]:
    """The enable timer: since when the surplus has paid the minimum, on balance.

    The balance is the surplus above the minimum less the shortfall below it, in seconds of
    the minimum: a sunny spell that pays more than the minimum carries the load through a
    shadow after it, and the timer starts over only once the shadows took more than the
    spells gave — so the mean surplus since the timer began pays the minimum. At most the
    delay's worth is kept. Where the share is not judged, the timer runs while the load could
    start and starts over when it cannot.
    """
    share = allocation.paid_share
    if share is None:
        if allocation.available_a > 0:
            return _since(since, now), balance
        return None, 0.0
    balance += (share - 1.0) * elapsed
    if balance < 0 or (since is None and share < 1.0):
        return None, 0.0
    return _since(since, now), min(balance, delay)


def _shortfall(
    since: float | None, now: float, elapsed: float, allocation: Allocation
) -> float | None:
    """The disable timer: how many seconds of its minimum the grid paid, as a start time.

    Where the share the surplus paid is known it runs at (1 - share): slower while a thin
    cloud leaves part of it paid, back while a sunny spell pays more than the minimum — so
    passing clouds and sunny spells offset each other by their energy. Otherwise it runs while
    the minimum is held and stops when it is not.
    """
    share = allocation.paid_share
    if share is None or since is None:
        return _since(since, now) if allocation.held else None
    if not allocation.held:
        share = max(share, 1.0)  # paid, or carried by the battery
    since += share * elapsed
    return None if since >= now else since


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

"""One control cycle: prepare every load, allocate, and step every load to its command.

The coordinator in Home Assistant, the scenario tests and the simulator all run this function:
there is one implementation of the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
import math

from .allocate import allocate
from .control import HARD_BOUND, prepare, settling, step
from .draw import draws_its_power, remember_power
from .meter import MeterHealth, MeterState, MeterVerdict, watch
from .model import (
    ACTIVE_LINE_A,
    SURPLUS_MODES,
    ControlFlags,
    Evse,
    Load,
    Mode,
    Phase,
    Plan,
    Snapshot,
    Switched,
    effective_mode,
)
from .state import Command, ControlParams, LoadState


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleResult:
    """The plan of one cycle, the control state to keep, and the command of every load."""

    plan: Plan
    states: Mapping[str, LoadState]
    commands: Mapping[str, Command]
    meter: MeterState  # the grid meter watch's memory, for the next cycle
    verdict: MeterVerdict  # whether the grid readings were live this cycle
    flags: Mapping[
        str, ControlFlags
    ]  # what the control let the engine do with each load


def run_cycle(
    snapshot: Snapshot,
    states: Mapping[str, LoadState],
    *,
    now: float,
    params: ControlParams | None = None,
    meter: MeterState | None = None,
) -> CycleResult:
    """Run one cycle. `snapshot` carries the readings; the loads' control flags are set here.

    A grid meter found not live gives the safe allocation (the readings it still shows are not
    used).
    """
    params = params or ControlParams()
    meter, verdict = watch(
        meter or MeterState(),
        snapshot,
        now=now,
        stale_timeout_s=params.stale_timeout_s,
        reaction_s=params.reaction_s,
    )
    if verdict.health is MeterHealth.BLIND:
        snapshot = replace(snapshot, grid_a=dict.fromkeys(snapshot.site.phases))
    prepared, loads = _prepare_all(snapshot, states, now=now, params=params)
    plan = allocate(
        replace(
            snapshot,
            loads=tuple(loads),
            dead_band_a=params.dead_band_a,
            backing_low_a=_backing_seen(meter, now - params.lend_memory_s, min),
            backing_high_a=_backing_seen(meter, now - params.lend_memory_s, max),
        )
    )
    meter = _remember_backing(
        meter,
        # A blind cycle counts as none fed.
        plan.backing_a or dict.fromkeys(snapshot.site.phases, 0.0),
        now,
        now - params.lend_memory_s,
    )

    stepped = _step_all(loads, prepared, plan, now=now, params=params, meter=verdict)
    new_states = {load_id: state for load_id, (state, _) in stepped.items()}
    commands = {load_id: command for load_id, (_, command) in stepped.items()}
    for load in loads:
        if isinstance(load, Evse) and (_drawn(load) or 0.0) >= ACTIVE_LINE_A:
            commands[load.id] = replace(commands[load.id], lines_seen=True)
    return CycleResult(
        plan=plan,
        states=new_states,
        commands=commands,
        meter=meter,
        verdict=verdict,
        flags={load.id: load.control for load in loads},
    )


def _prepare_all(
    snapshot: Snapshot,
    states: Mapping[str, LoadState],
    *,
    now: float,
    params: ControlParams,
) -> tuple[dict[str, LoadState], list[Load]]:
    """Every load's control state for this cycle, and the load with its control flags."""
    prepared: dict[str, LoadState] = {}
    loads: list[Load] = []
    for load in snapshot.loads:
        mode = effective_mode(load, snapshot.site_mode)
        state, load = remember_power(states.get(load.id, LoadState()), load)  # noqa: PLW2901
        state, flags = prepare(
            state,
            mode=mode,
            active=_active(load, mode),
            now=now,
            params=params,
            drawing=_drawing(load, mode),
            release_after_s=params.switched_release_after_s
            if isinstance(load, Switched)
            else params.release_after_s,
            drawn_a=_drawn(load),
            drawing_lines=_drawing_lines(load),
            car_lines=load.car_lines if isinstance(load, Evse) else 0,
            grid_carries=not (isinstance(load, Switched) and load.thermal),
            min_on_s=load.min_on_s if isinstance(load, Switched) else 0.0,
            min_off_s=load.min_off_s if isinstance(load, Switched) else 0.0,
        )
        prepared[load.id] = state
        loads.append(replace(load, control=flags))
    return prepared, loads


def _step_all(
    loads: list[Load],
    prepared: Mapping[str, LoadState],
    plan: Plan,
    *,
    now: float,
    params: ControlParams,
    meter: MeterVerdict,
) -> dict[str, tuple[LoadState, Command]]:
    """Every load's command.

    After any decrease, nothing rises until the loads had time to follow it — a decrease a
    hard limit makes in this cycle included: room one load gives up at a breaker, the import
    cap or a group goes to another once it is free.
    """

    def step_all(holding: bool) -> dict[str, tuple[LoadState, Command]]:
        return {
            load.id: step(
                prepared[load.id],
                plan.allocations[load.id],
                now=now,
                params=params,
                lifetime_s=_lifetime(load),
                settling=holding,
                meter=meter.health,
                step_a=load.current_step_a if isinstance(load, Evse) else 0.0,
            )
            for load in loads
        }

    site_settling = any(settling(state, now, params) for state in prepared.values())
    stepped = step_all(site_settling)
    if not site_settling and _moves_room(stepped, prepared, plan):
        stepped = step_all(True)
    return stepped


def _moves_room(
    stepped: Mapping[str, tuple[LoadState, Command]],
    before: Mapping[str, LoadState],
    plan: Plan,
) -> bool:
    """Whether a hard limit lowers one load while another rises in the same cycle."""
    lowered = any(
        state.command_a < before[i].command_a - 1e-9
        and plan.allocations[i].reason in HARD_BOUND
        for i, (state, _) in stepped.items()
    )
    return lowered and any(
        state.command_a > before[i].command_a + 1e-9
        for i, (state, _) in stepped.items()
    )


def _backing_seen(
    state: MeterState, since: float, pick: Callable[[Iterable[float]], float]
) -> dict[Phase, float] | None:
    """The least (or most) PV and battery power each phase was fed since then (None: none)."""
    kept = [fed for t, fed in state.backing if t >= since]
    if not kept:
        return None
    return {p: pick(fed.get(p, 0.0) for fed in kept) for p in kept[0]}


def _remember_backing(
    state: MeterState, fed: Mapping[Phase, float], now: float, since: float
) -> MeterState:
    """Keep this cycle's backing, and what is still within the memory."""
    kept = tuple((t, seen) for t, seen in state.backing if t >= since)
    return replace(state, backing=(*kept, (now, fed)))


def _lifetime(load: Load) -> float | None:
    """How long a load's command holds, while it matters: a charger's, while a car is there.

    Without a car the charger may fall to its failsafe; a car that arrives is commanded within
    a cycle.
    """
    if isinstance(load, Evse) and load.session.takes_part:
        return load.command_lifetime_s
    return None


def _drawn(load: Load) -> float | None:
    """What a charger's car draws on its busiest line; None when not known."""
    if not isinstance(load, Evse):
        return None
    lines = [amps for amps in load.line_a if amps is not None and math.isfinite(amps)]
    return max(lines) if lines else None


def _drawing(load: Load, mode: Mode) -> bool | None:
    """Whether the load draws what it is offered; None when not known.

    A charger's car draws on some line. A switched load counts only in Solar or Excess, on and
    with a power reading: a Standard plug stays the user's (a fridge's compressor rests for
    long spells), and off it is offered nothing.
    """
    if isinstance(load, Evse):
        drawn = _drawn(load)
        return None if drawn is None else drawn >= ACTIVE_LINE_A
    return draws_its_power(load) if mode in SURPLUS_MODES else None


def _drawing_lines(load: Load) -> int:
    """On how many lines a charger's car draws now (0: none, or not a charger)."""
    if not isinstance(load, Evse):
        return 0
    return sum(1 for amps in load.line_a if amps is not None and amps >= ACTIVE_LINE_A)


def _active(load: Load, mode: Mode) -> bool:
    if mode is Mode.OFF:
        return False
    return load.session.takes_part if isinstance(load, Evse) else True

"""What the allocation needs to know of a load: its mode, lines, range and order.

The only part of the allocation that tells kinds of load apart.
"""

from __future__ import annotations

import math

from .model import (
    Evse,
    Load,
    Mode,
    Override,
    Phase,
    Plan,
    Reason,
    Session,
    Snapshot,
    Switched,
    effective_mode,
)

EPS = 1e-6


def mode_of(snapshot: Snapshot, load: Load) -> tuple[Mode, Reason | None]:
    """The mode in force and, when the load takes no part, why."""
    mode = effective_mode(load, snapshot.site_mode)
    if mode is Mode.OFF:
        stopped = load.override is Override.STOP
        return mode, Reason.STOPPED_NOW if stopped else Reason.MODE_OFF
    if isinstance(load, Evse) and not load.session.takes_part:
        return (
            mode,
            Reason.FINISHED if load.session is Session.FINISHED else Reason.NO_CAR,
        )
    if load.control.resting:
        return mode, Reason.NOT_DRAWING
    if not running(load) and not load.control.may_start:
        return mode, Reason.PAUSED
    return mode, None


def running(load: Load) -> bool:
    """Whether the load runs now: a switched one is on, a charger has a command."""
    if isinstance(load, Switched):
        return load.is_on
    return load.control.command_a > 0


def lines_of(load: Load) -> tuple[Phase, ...]:
    """The lines a load counts on now (a car: those it draws on, once it draws)."""
    return load.active_lines() if isinstance(load, Evse) else load.wired


def current_range(load: Load, voltage: float, lines: int) -> tuple[float, float] | None:
    """Minimum and maximum current per line (an on/off load's are both its power).

    None when the load cannot run: no lines, no power, or a range that is empty.
    """
    if lines <= 0:
        return None
    if isinstance(load, Evse):
        low, high = load.min_a, load.max_a
        # The car takes no more (never below its minimum).
        if load.control.car_limit_a is not None:
            high = max(min(high, load.control.car_limit_a), low)
    else:
        low = high = load.power_w / (voltage * lines)
    if not (math.isfinite(low) and math.isfinite(high)) or high <= 0:
        return None
    low = max(low, EPS)
    return (low, high) if low <= high else None


def group_chain(group: str | None, parents: dict[str, str | None]) -> list[str]:
    """The group a load hangs on and every group above it (a cycle is cut)."""
    chain: list[str] = []
    while group is not None and group in parents and group not in chain:
        chain.append(group)
        group = parents[group]
    return chain


def order_key(load: Load) -> tuple[int, str]:
    """Priority (1 first), then id; mode urgency orders the classes themselves."""
    return load.priority, load.id


def group_use_a(snapshot: Snapshot, plan: Plan) -> dict[str, dict[Phase, float]]:
    """Per circuit group and phase, what it carries against its rating this cycle.

    Its loads' allocations (nested groups' too) on the lines they draw on, and what a charger
    we cannot reach may still apply on every wired line; empty in the safe state.
    """
    if plan.safe_state:
        return {}
    parents = {group.id: group.parent for group in snapshot.site.groups}
    use = {g.id: dict.fromkeys(snapshot.site.phases, 0.0) for g in snapshot.site.groups}
    for load in snapshot.loads:
        allocation = plan.allocations.get(load.id)
        drawn = (
            [(phase, allocation.current_a) for phase in allocation.lines]
            if allocation is not None
            else []
        )
        if isinstance(load, Evse) and load.holds_a > 0:
            drawn += [(phase, load.holds_a) for phase in load.wired]
        for group in group_chain(load.group, parents):
            for phase, amps in drawn:
                if phase in use[group]:
                    use[group][phase] += amps
    return use

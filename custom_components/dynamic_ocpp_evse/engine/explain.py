"""An allocation as the user sees it: the current and the reason for it; the safe plan."""

from __future__ import annotations

from .allocator import Allocator
from .budgets import Candidate, Pool
from .facts import EPS, current_range
from .house import voltage_of
from .model import Allocation, Evse, Mode, Plan, Reason, Snapshot, effective_mode


def result_of(allocator: Allocator, cand: Candidate) -> Allocation:
    """A candidate's allocation: its current within its range, and what limits it."""
    got = allocator.got[cand]
    if got.current <= EPS:
        return _stopped(allocator, cand)
    current = min(max(got.current, cand.min_a), cand.max_a)
    if got.held:
        reason, detail = Reason.HOLDING_MINIMUM, ""
    elif got.binding is None or current >= cand.max_a - EPS:
        limited = isinstance(cand.load, Evse) and cand.max_a < cand.load.max_a - EPS
        reason, detail = (Reason.CAR_LIMIT if limited else Reason.AT_MAXIMUM), ""
    else:
        budget = allocator.budgets[got.binding]
        reason, detail = budget.reason, budget.detail
        if reason is Reason.SURPLUS and cand.mode is Mode.EXCESS:
            reason = Reason.EXCESS
    return Allocation(
        current_a=current,
        available_a=current,
        reason=reason,
        detail=detail,
        min_a=cand.min_a,
        lines=cand.lines,
        held=got.held,
        paid_share=got.paid,
        hard_room_a=min(allocator.room(cand, pool=Pool.HARD)[0], cand.max_a - current),
    )


def _stopped(allocator: Allocator, cand: Candidate) -> Allocation:
    """A candidate that got nothing: the hard limit that ruled it out, or the wait."""
    binding = allocator.got[cand].binding
    budget = allocator.budgets[binding] if binding is not None else None
    if budget is not None and budget.reason is not Reason.SURPLUS:
        reason, detail, paid = budget.reason, budget.detail, None
    else:
        excess = cand.mode is Mode.EXCESS
        reason = Reason.WAITING_FOR_EXCESS if excess else Reason.WAITING_FOR_SURPLUS
        detail = ""
        paid = allocator.surplus_share(cand, 0.0) if budget else None
    return Allocation(
        current_a=0.0,
        available_a=0.0,
        reason=reason,
        detail=detail,
        min_a=cand.min_a,
        lines=cand.lines,
        paid_share=paid,
    )


def safe_plan(snapshot: Snapshot) -> Plan:
    """The plan while the grid meter is stale (docs/design.md §4.3).

    Chargers that draw keep at most their failsafe current, nothing starts, surplus switched
    loads turn off, continuous ones keep their state.
    """
    voltage = voltage_of(snapshot)
    allocations: dict[str, Allocation] = {}
    for load in snapshot.loads:
        mode = effective_mode(load, snapshot.site_mode)
        current = 0.0
        if isinstance(load, Evse):
            lines = load.active_lines()
            span = current_range(load, voltage, len(lines))
            drawing = load.session.takes_part and load.control.command_a > 0
            if span is not None and drawing and mode is not Mode.OFF:
                low, high = span
                failsafe = min(load.failsafe_a, high)
                if failsafe >= low:
                    current = min(load.control.command_a, failsafe)
        else:
            lines = load.wired
            span = current_range(load, voltage, len(lines))
            if mode is Mode.STANDARD and load.is_on and span is not None:
                current = span[1]
        allocations[load.id] = Allocation(
            current_a=current,
            available_a=current,
            reason=Reason.METER_STALE,
            lines=lines,
        )
    managed = sum(a.current_a * len(a.lines) for a in allocations.values()) * voltage
    return Plan(
        allocations=allocations,
        base_a={},
        headroom_a={},
        surplus_w=0.0,
        managed_w=managed,
        safe_state=True,
    )

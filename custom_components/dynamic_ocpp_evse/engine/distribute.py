"""How one urgency class shares what the budgets allow (docs/design.md §4.2, §4.3)."""

from __future__ import annotations

import math

from .allocator import Allocator
from .budgets import Candidate, Pool
from .facts import EPS
from .model import Distribution


def distribute(
    allocator: Allocator,
    cands: list[Candidate],
    distribution: Distribution,
    *,
    pool: Pool,
) -> None:
    """Share what the budgets allow among one class of candidates (docs/design.md §4.2)."""
    got = allocator.got
    if distribution in (Distribution.SHARED, Distribution.PRIORITY):
        for cand in cands:
            if got[cand].current == 0:
                allocator.grant_minimum(cand, pool=pool)
        if distribution is Distribution.SHARED:
            allocator.fill_shared(cands, pool=pool)
        else:
            for cand in cands:
                if got[cand].current > 0:
                    allocator.top_up(cand, pool=pool)
        return
    optimized = distribution is Distribution.SEQUENTIAL_OPTIMIZED
    placed: list[Candidate] = []
    spare: dict[
        int, float
    ] = {}  # per budget: what trimming the placed loads could free
    for cand in cands:
        if allocator.fill_sequential(cand, pool=pool) or (
            optimized and _trim_for(allocator, cand, placed, spare, pool=pool)
        ):
            placed.append(cand)
            for index, use in allocator.terms_of(cand, pool=pool):
                spare[index] = (
                    spare.get(index, 0.0) + (got[cand].current - cand.min_a) * use
                )


def _trim_for(
    allocator: Allocator,
    cand: Candidate,
    placed: list[Candidate],
    spare: dict[int, float],
    *,
    pool: Pool,
) -> bool:
    """Trim loads placed before `cand` just enough for it to reach its minimum.

    The lowest in order is trimmed first, never below its own minimum. Nothing is trimmed
    when that could not be enough; `spare` is kept up to date.
    """
    short: dict[int, float] = {}
    for index, use in allocator.terms_of(cand, pool=pool):
        gap = cand.min_a * use - allocator.budgets[index].remaining
        if gap > EPS:
            if spare.get(index, 0.0) + EPS < gap:
                return False
            short[index] = gap
    trimmed: list[tuple[Candidate, float, int | None]] = []
    for other in reversed(placed):
        if not short:
            break
        grant = allocator.got[other]
        room = grant.current - other.min_a
        if room <= EPS:
            continue
        uses = dict(allocator.terms_of(other, pool=pool))
        shared = [index for index in short if index in uses]
        if not shared:
            continue
        cut = min(room, max(short[index] / uses[index] for index in shared))
        allocator.take(other, -cut)
        trimmed.append((other, cut, grant.binding))
        grant.binding = shared[0]  # what it is trimmed for binds it now
        for index, use in uses.items():
            spare[index] -= cut * use
            if index in short:
                short[index] -= cut * use
                if short[index] <= EPS:
                    del short[index]
    if allocator.grant_minimum(cand, pool=pool):
        allocator.top_up(cand, pool=pool)
        return True
    for other, cut, binding in trimmed:
        allocator.take(other, cut)
        allocator.got[other].binding = binding
        for index, use in allocator.terms_of(other, pool=pool):
            spare[index] += cut * use
    return False


def hold_minimums(
    allocator: Allocator, cands: list[Candidate], *, supported: bool
) -> None:
    """Reserve, within the hard limits, the minimum of running surplus loads that are kept.

    The control keeps a load through its delays and budget; the battery supports one above its
    support SOC. A minimum the surplus does not pay is marked as held.
    """
    for cand in cands:
        if not cand.running or not (cand.load.control.keep_minimum or supported):
            continue
        room, _ = allocator.room(cand, pool=Pool.WITH_SURPLUS)
        paid = room + EPS >= cand.min_a
        if allocator.grant_minimum(cand, pool=Pool.HARD):
            grant = allocator.got[cand]
            grant.held = not paid and not supported
            grant.paid = max(room, 0.0) / cand.min_a if cand.min_a > 0 else None


def keep_within_dead_band(
    allocator: Allocator, cands: list[Candidate], band: float
) -> None:
    """Leave a surplus-driven current where it was when the change is inside the dead band.

    Only as long as the hard limits allow the old value.
    """
    for cand in cands:
        previous = cand.load.control.command_a
        current = allocator.got[cand].current
        if current <= 0 or previous <= 0 or not math.isfinite(previous):
            continue
        if (
            not (cand.min_a <= previous <= cand.max_a)
            or abs(previous - current) >= band
        ):
            continue
        if previous < current or allocator.room(cand, pool=Pool.HARD)[0] + EPS >= (
            previous - current
        ):
            allocator.take(cand, previous - current)

"""The filling algorithms of the allocation, on budgets built by hand.

Progressive filling (the Shared distribution) is the heart of the engine: running candidates
rise together, amp for amp, until each reaches its maximum or a budget it uses runs out.
"""

from __future__ import annotations

from hypothesis import given, strategies as st

from custom_components.dynamic_ocpp_evse.engine.allocator import Allocator
from custom_components.dynamic_ocpp_evse.engine.budgets import Budget, Candidate, Pool
from custom_components.dynamic_ocpp_evse.engine.facts import EPS
from custom_components.dynamic_ocpp_evse.engine.model import (
    Evse,
    Mode,
    Phase,
    Reason,
    Session,
)

TOLERANCE = 1e-6


def _candidate(
    allocator: Allocator,
    name: str,
    terms: list[tuple[int, float]],
    *,
    current: float = 6.0,
    max_a: float = 16.0,
) -> Candidate:
    """A candidate on the given hard budgets (and the surplus), entered with `current`."""
    load = Evse(id=name, wired=(Phase.A,), session=Session.CHARGING)
    cand = Candidate(
        load=load,
        mode=Mode.STANDARD,
        min_a=6.0,
        max_a=max_a,
        lines=(Phase.A,),
        terms=tuple(terms),
        all_terms=(*terms, (allocator.surplus, 230.0)),
        watts_per_a=230.0,
        running=True,
    )
    allocator.enter(cand, current)
    return cand


def _allocator(*rooms: float, surplus_w: float = 1e9) -> Allocator:
    budgets = [Budget(room, Reason.BREAKER, f"b{i}") for i, room in enumerate(rooms)]
    budgets.append(Budget(surplus_w, Reason.SURPLUS))
    return Allocator(budgets, len(budgets) - 1)


def test_running_candidates_rise_together_until_the_budget_runs_out() -> None:
    allocator = _allocator(8.0)  # 8 A left beyond their 6 A each
    a = _candidate(allocator, "a", [(0, 1.0)])
    b = _candidate(allocator, "b", [(0, 1.0)])
    allocator.fill_shared([a, b], pool=Pool.HARD)
    assert (allocator.got[a].current, allocator.got[b].current) == (10.0, 10.0)
    assert allocator.got[a].binding == allocator.got[b].binding == 0
    assert abs(allocator.budgets[0].remaining) < TOLERANCE


def test_one_at_its_maximum_leaves_the_rest_to_the_others() -> None:
    allocator = _allocator(20.0)
    small = _candidate(allocator, "small", [(0, 1.0)], max_a=8.0)
    a = _candidate(allocator, "a", [(0, 1.0)])
    b = _candidate(allocator, "b", [(0, 1.0)])
    allocator.fill_shared([small, a, b], pool=Pool.HARD)
    assert allocator.got[small].current == 8.0
    assert allocator.got[small].binding is None  # its own maximum, not a budget
    assert abs(allocator.got[a].current - 15.0) < TOLERANCE
    assert abs(allocator.got[b].current - 15.0) < TOLERANCE


def test_a_budget_of_its_own_stops_one_candidate_early() -> None:
    # Both share budget 0 (20 A left); `a` also hangs on a group with 2 A left.
    allocator = _allocator(20.0, 2.0)
    a = _candidate(allocator, "a", [(0, 1.0), (1, 1.0)])
    b = _candidate(allocator, "b", [(0, 1.0)])
    allocator.fill_shared([a, b], pool=Pool.HARD)
    assert allocator.got[a].current == 8.0
    assert allocator.got[a].binding == 1
    assert (
        allocator.got[b].current == 16.0
    )  # its maximum: the shared budget had room for both
    assert abs(allocator.budgets[0].remaining - 8.0) < TOLERANCE


def test_the_surplus_pays_for_a_rise_it_did_not_limit() -> None:
    allocator = _allocator(8.0, surplus_w=10_000.0)
    a = _candidate(allocator, "a", [(0, 1.0)])
    allocator.fill_shared([a], pool=Pool.HARD)
    assert allocator.got[a].current == 14.0
    assert abs(allocator.budgets[1].remaining - (10_000.0 - 8.0 * 230.0)) < TOLERANCE


def test_stopped_candidates_do_not_take_part() -> None:
    allocator = _allocator(8.0)
    stopped = _candidate(allocator, "stopped", [(0, 1.0)], current=0.0)
    running = _candidate(allocator, "running", [(0, 1.0)])
    allocator.fill_shared([stopped, running], pool=Pool.HARD)
    assert allocator.got[stopped].current == 0.0
    assert allocator.got[running].current == 14.0


@given(
    rooms=st.lists(st.floats(0, 40), min_size=1, max_size=3),
    specs=st.lists(
        st.tuples(
            st.floats(6, 32),  # maximum
            st.sets(st.integers(0, 2), min_size=1, max_size=3),  # budgets used
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_filling_keeps_every_budget_and_maximum(
    rooms: list[float], specs: list[tuple[float, set[int]]]
) -> None:
    """No budget goes below zero, nobody above its maximum; who stops short has a reason."""
    allocator = _allocator(*rooms)
    cands = [
        _candidate(
            allocator,
            f"c{i}",
            [(index, 1.0) for index in sorted(used) if index < len(rooms)]
            or [(0, 1.0)],
            current=0.0,
            max_a=max_a,
        )
        for i, (max_a, used) in enumerate(specs)
    ]
    for cand in cands:  # minimums first, as the distribution does
        allocator.grant_minimum(cand, pool=Pool.HARD)
    allocator.fill_shared(cands, pool=Pool.HARD)
    for budget in allocator.budgets:
        assert budget.remaining >= -TOLERANCE
    for cand in cands:
        got = allocator.got[cand]
        assert got.current <= cand.max_a + EPS
        if 0 < got.current < cand.max_a - TOLERANCE:
            assert got.binding is not None
            assert allocator.budgets[got.binding].remaining <= TOLERANCE


def test_a_fork_is_tried_on_without_touching_the_run() -> None:
    """What-if runs (an idle load started now) work on a fork; the run keeps its results."""
    allocator = _allocator(8.0)
    a = _candidate(allocator, "a", [(0, 1.0)])
    trial = allocator.fork([a])
    newcomer = _candidate(trial, "newcomer", [(0, 1.0)], current=0.0)
    trial.grant_minimum(newcomer, pool=Pool.HARD)
    trial.fill_shared([a, newcomer], pool=Pool.HARD)
    assert trial.got[newcomer].current == 7.0
    assert allocator.got[a].current == 6.0
    assert newcomer not in allocator.got
    assert allocator.budgets[0].remaining == 8.0

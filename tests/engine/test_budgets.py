"""The filling algorithms of the allocation, on budgets built by hand.

Progressive filling (the Shared distribution) is the heart of the engine: running candidates
rise together, amp for amp, until each reaches its maximum or a budget it uses runs out.
"""

from __future__ import annotations

from hypothesis import given, strategies as st

from custom_components.dynamic_ocpp_evse.engine.budgets import (
    Allocator,
    Budget,
    Candidate,
    Pool,
)
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
    name: str,
    terms: list[tuple[int, float]],
    *,
    surplus: int,
    current: float = 6.0,
    max_a: float = 16.0,
) -> Candidate:
    load = Evse(id=name, wired=(Phase.A,), session=Session.CHARGING)
    return Candidate(
        load=load,
        mode=Mode.STANDARD,
        min_a=6.0,
        max_a=max_a,
        lines=(Phase.A,),
        terms=terms,
        all_terms=[*terms, (surplus, 230.0)],
        watts_per_a=230.0,
        running=True,
        current=current,
    )


def _allocator(*rooms: float, surplus_w: float = 1e9) -> Allocator:
    budgets = [Budget(room, Reason.BREAKER, f"b{i}") for i, room in enumerate(rooms)]
    budgets.append(Budget(surplus_w, Reason.SURPLUS))
    return Allocator(budgets, len(budgets) - 1)


def test_running_candidates_rise_together_until_the_budget_runs_out() -> None:
    allocator = _allocator(8.0)  # 8 A left beyond their 6 A each
    a = _candidate("a", [(0, 1.0)], surplus=1)
    b = _candidate("b", [(0, 1.0)], surplus=1)
    allocator.fill_shared([a, b], pool=Pool.HARD)
    assert (a.current, b.current) == (10.0, 10.0)
    assert a.binding == b.binding == 0
    assert abs(allocator.budgets[0].remaining) < TOLERANCE


def test_one_at_its_maximum_leaves_the_rest_to_the_others() -> None:
    allocator = _allocator(20.0)
    small = _candidate("small", [(0, 1.0)], surplus=1, max_a=8.0)
    a = _candidate("a", [(0, 1.0)], surplus=1)
    b = _candidate("b", [(0, 1.0)], surplus=1)
    allocator.fill_shared([small, a, b], pool=Pool.HARD)
    assert small.current == 8.0
    assert small.binding is None  # its own maximum, not a budget
    assert abs(a.current - 15.0) < TOLERANCE
    assert abs(b.current - 15.0) < TOLERANCE


def test_a_budget_of_its_own_stops_one_candidate_early() -> None:
    # Both share budget 0 (20 A left); `a` also hangs on a group with 2 A left.
    allocator = _allocator(20.0, 2.0)
    a = _candidate("a", [(0, 1.0), (1, 1.0)], surplus=2)
    b = _candidate("b", [(0, 1.0)], surplus=2)
    allocator.fill_shared([a, b], pool=Pool.HARD)
    assert a.current == 8.0
    assert a.binding == 1
    assert b.current == 16.0  # its maximum: the shared budget had room for both
    assert abs(allocator.budgets[0].remaining - 8.0) < TOLERANCE


def test_the_surplus_pays_for_a_rise_it_did_not_limit() -> None:
    allocator = _allocator(8.0, surplus_w=10_000.0)
    a = _candidate("a", [(0, 1.0)], surplus=1)
    allocator.fill_shared([a], pool=Pool.HARD)
    assert a.current == 14.0
    assert abs(allocator.budgets[1].remaining - (10_000.0 - 8.0 * 230.0)) < TOLERANCE


def test_stopped_candidates_do_not_take_part() -> None:
    allocator = _allocator(8.0)
    stopped = _candidate("stopped", [(0, 1.0)], surplus=1, current=0.0)
    running = _candidate("running", [(0, 1.0)], surplus=1)
    allocator.fill_shared([stopped, running], pool=Pool.HARD)
    assert stopped.current == 0.0
    assert running.current == 14.0


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
    surplus = len(rooms)
    cands = [
        _candidate(
            f"c{i}",
            [(index, 1.0) for index in sorted(used) if index < len(rooms)]
            or [(0, 1.0)],
            surplus=surplus,
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
        assert cand.current <= cand.max_a + EPS
        if 0 < cand.current < cand.max_a - TOLERANCE:
            assert cand.binding is not None
            assert allocator.budgets[cand.binding].remaining <= TOLERANCE

"""Properties of the control over time (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.dynamic_ocpp_evse.engine.control import (
    ControlParams,
    LoadState,
    step,
)
from custom_components.dynamic_ocpp_evse.engine.model import Allocation, Reason

PERIOD_S = 5.0


@settings(max_examples=200, deadline=None)
@given(
    # Spells of one target each (a pause, a steady current, ...), many cycles long.
    spells=st.lists(
        st.tuples(st.sampled_from([0.0, 6.0, 8.5, 16.0]), st.integers(1, 120)),
        min_size=1,
        max_size=12,
    ),
    lifetime=st.sampled_from([30.0, 60.0, 180.0, 3600.0]),
)
def test_every_command_stays_live_at_the_charger(
    spells: list[tuple[float, int]], lifetime: float
) -> None:
    """Whatever it is — a pause at 0 A included — a command is sent again before it lapses."""
    params = ControlParams()
    state = LoadState()
    targets = [target for target, cycles in spells for _ in range(cycles)]
    for cycle, target in enumerate(targets):
        now = cycle * PERIOD_S
        allocation = Allocation(
            current_a=target, available_a=target, reason=Reason.AT_MAXIMUM, min_a=6.0
        )
        state, command = step(
            state, allocation, now=now, params=params, lifetime_s=lifetime
        )
        assert state.sent_at is not None
        # Until the next cycle the charger holds a profile sent less than `lifetime` ago.
        assert now + PERIOD_S - state.sent_at < lifetime, (cycle, command)

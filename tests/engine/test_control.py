"""Properties of the control over time (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
import math

from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.dynamic_ocpp_evse.engine.control import step
from custom_components.dynamic_ocpp_evse.engine.cycle import run_cycle
from custom_components.dynamic_ocpp_evse.engine.draw import remember_power
from custom_components.dynamic_ocpp_evse.engine.model import (
    Allocation,
    Mode,
    ModeSetting,
    Phase,
    Reason,
    Site,
    Snapshot,
    Switched,
)
from custom_components.dynamic_ocpp_evse.engine.state import ControlParams, LoadState

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


def _boiler(*, on: bool, measured: float | None) -> Switched:
    return Switched(
        id="boiler",
        wired=(Phase.A,),
        power_w=2300.0,
        is_on=on,
        measured_w=measured,
        mode=ModeSetting.SOLAR,
    )


@pytest.mark.parametrize(
    ("on", "measured", "remembered"),
    [
        (True, 1800.0, 1800.0),  # running: its real power
        (True, 5.0, None),  # on, but its own thermostat cut out
        (True, -300.0, None),  # nonsense
        (True, math.nan, None),
        (False, None, None),
    ],
)
def test_a_plug_remembers_only_what_it_drew_running(
    on: bool, measured: float | None, remembered: float | None
) -> None:
    state, load = remember_power(LoadState(), _boiler(on=on, measured=measured))
    assert state.running_w == remembered
    assert isinstance(load, Switched)
    assert load.power_w == (remembered or 2300.0)


def test_the_memory_is_what_the_engine_plans_with() -> None:
    """Remembered 1150 W: a Solar boiler starts on 1300 W of surplus (its 2300 W rating
    would not), and a later cut-out reading changes nothing."""
    site = Site(phases=(Phase.A,), breaker_a=25.0)
    params = ControlParams(enable_delay_s=0)
    states = {"boiler": LoadState(running_w=1150.0)}
    snapshot = Snapshot(
        site=site,
        grid_a={Phase.A: -1300 / 230},
        loads=(_boiler(on=False, measured=None),),
        site_mode=Mode.SOLAR,
    )
    result = run_cycle(snapshot, states, now=0.0, params=params)
    result = run_cycle(snapshot, result.states, now=5.0, params=params)  # enabled
    assert result.commands["boiler"].current_a > 0
    cut_out = replace(snapshot, loads=(_boiler(on=True, measured=3.0),))
    result = run_cycle(cut_out, result.states, now=10.0, params=params)
    assert result.states["boiler"].running_w == 1150.0


@settings(max_examples=300, deadline=None)
@given(
    previous=st.floats(0.5, 32.0),
    limit=st.floats(0.0, 40.0),
    minimum=st.sampled_from([6.0, 8.0, 10.0]),
    step_a=st.sampled_from([0.0, 0.1, 1.0]),
    reason=st.sampled_from([Reason.BREAKER, Reason.IMPORT_CAP, Reason.GROUP]),
)
# A command below a minimum the user has since raised, 0.6 A of room above the minimum.
@example(previous=5.0, limit=6.6, minimum=6.0, step_a=0.0, reason=Reason.BREAKER)
def test_the_limit_band_never_passes_the_limit_nor_drops_below_the_minimum(
    previous: float, limit: float, minimum: float, step_a: float, reason: Reason
) -> None:
    """At a hard limit a running load's command stays within the limit, and a rise never
    lands below its minimum (a car pauses there)."""
    current = limit if limit >= minimum else 0.0
    allocation = Allocation(
        current_a=current, available_a=current, reason=reason, min_a=minimum
    )
    state = LoadState(command_a=previous, stepped_at=0.0, rising_since=0.0, sent_at=0.0)
    _, command = step(
        state, allocation, now=600.0, params=ControlParams(), step_a=step_a
    )
    assert command.current_a <= current + 1e-9
    if command.current_a > previous + 1e-9:
        assert command.current_a >= minimum - 1e-9

"""Property-based tests of `allocate` over random sites, loads and readings (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
import math
from typing import Any

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from custom_components.dynamic_ocpp_evse.engine.allocate import allocate
from custom_components.dynamic_ocpp_evse.engine.facts import group_use_a
from custom_components.dynamic_ocpp_evse.engine.model import (
    Battery,
    Charger,
    CircuitGroup,
    ControlFlags,
    Distribution,
    Evse,
    Load,
    Mode,
    ModeSetting,
    Override,
    Phase,
    Plan,
    Reason,
    Session,
    Site,
    Snapshot,
    Switched,
)

EPS = 1e-6
PHASES = list(Phase)
SAFETY = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

amps = st.floats(min_value=-60, max_value=60, allow_nan=False)
any_float = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -1.0, 1e12, -1e12]
)


@st.composite
def sites(draw: st.DrawFn) -> Site:
    phases = tuple(
        sorted(draw(st.sets(st.sampled_from(PHASES), min_size=1, max_size=3)))
    )
    group_ids = [f"g{i}" for i in range(draw(st.integers(0, 3)))]
    groups = tuple(
        CircuitGroup(
            id=gid,
            rating_a=draw(st.floats(0, 40)),
            parent=draw(st.sampled_from([None, *group_ids[:index]])),
        )
        for index, gid in enumerate(group_ids)
    )
    chargers = tuple(
        Charger(id=f"ch{i}", max_a=draw(st.floats(0, 40)))
        for i in range(draw(st.integers(0, 2)))
    )
    return Site(
        phases=phases,
        voltage=draw(st.sampled_from([110.0, 230.0, 240.0])),
        breaker_a=draw(st.floats(0, 80)),
        margin_a=draw(st.floats(0, 3)),
        max_import_w=draw(st.none() | st.floats(0, 30000)),
        import_buffer_w=draw(st.floats(0, 1000)),
        excess_threshold_w=draw(st.floats(0, 3000)),
        groups=groups,
        chargers=chargers,
    )


@st.composite
def loads_for(draw: st.DrawFn, site: Site, count: int) -> tuple[Load, ...]:
    loads: list[Load] = []
    groups = [None, *(g.id for g in site.groups)]
    for index in range(count):
        wired = tuple(draw(st.lists(st.sampled_from(PHASES), min_size=1, max_size=3)))
        common: dict[str, Any] = {
            "id": f"load{index}",
            "wired": wired,
            "mode": draw(st.sampled_from(list(ModeSetting))),
            "override": draw(st.sampled_from([None, None, *Override])),
            "priority": draw(st.integers(1, 4)),
            "group": draw(st.sampled_from(groups)),
            "control": ControlFlags(
                may_start=draw(st.booleans()),
                keep_minimum=draw(st.booleans()),
                command_a=draw(st.sampled_from([0.0, 6.0, 10.0, 16.0])),
                allowed_a=draw(st.none() | st.sampled_from([0.0, 6.0, 10.0, 16.0])),
            ),
        }
        if draw(st.booleans()):
            minimum = draw(st.floats(1, 16))
            loads.append(
                Evse(
                    **common,
                    min_a=minimum,
                    max_a=draw(st.floats(minimum, 40)),
                    failsafe_a=draw(st.sampled_from([0.0, minimum])),
                    line_a=tuple(draw(st.none() | st.floats(0, 40)) for _ in wired),
                    session=draw(st.sampled_from(list(Session))),
                    charger=draw(
                        st.sampled_from([None, *(c.id for c in site.chargers)])
                    ),
                    holds_a=draw(st.sampled_from([0.0, 0.0, 6.0, 16.0])),
                )
            )
        else:
            on = draw(st.booleans())
            loads.append(
                Switched(
                    **common,
                    power_w=draw(st.floats(100, 8000)),
                    is_on=on,
                    measured_w=draw(st.none() | st.floats(0, 8000)),
                    thermal=draw(st.booleans()),
                )
            )
    return tuple(loads)


@st.composite
def snapshots(draw: st.DrawFn, max_loads: int = 8) -> Snapshot:
    site = draw(sites())
    loads = draw(loads_for(site, draw(st.integers(0, max_loads))))
    battery = draw(
        st.none()
        | st.builds(
            Battery,
            soc=st.none() | st.floats(0, 100),
            power_w=st.none() | st.floats(-8000, 8000),
            target_soc=st.floats(0, 100),
            support_soc=st.floats(0, 101),
        )
    )
    return Snapshot(
        site=site,
        grid_a={phase: draw(amps) for phase in site.phases},
        loads=loads,
        site_mode=draw(st.sampled_from(list(Mode))),
        distribution=draw(st.sampled_from(list(Distribution))),
        solar_w=draw(st.none() | st.floats(0, 20000)),
        battery=battery,
    )


def _use(plan: Plan, load: Load) -> dict[Phase, float]:
    """The current an allocation puts on each phase."""
    allocation = plan.allocations[load.id]
    per_phase: dict[Phase, float] = {}
    for phase in allocation.lines:
        per_phase[phase] = per_phase.get(phase, 0.0) + allocation.current_a
    return per_phase


def _total(plan: Plan, members: list[Load]) -> dict[Phase, float]:
    total: dict[Phase, float] = {}
    for load in members:
        for phase, current in _use(plan, load).items():
            total[phase] = total.get(phase, 0.0) + current
    return total


def _held(members: list[Load]) -> dict[Phase, float]:
    """What unreachable connectors among `members` may still draw, per phase (every line)."""
    held: dict[Phase, float] = {}
    for load in members:
        if isinstance(load, Evse) and load.holds_a > 0:
            for phase in load.wired:
                held[phase] = held.get(phase, 0.0) + load.holds_a
    return held


def _in_group(load: Load, group: str, site: Site) -> bool:
    parents = {g.id: g.parent for g in site.groups}
    seen: set[str] = set()
    current = load.group
    while current is not None and current not in seen:
        if current == group:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


@SAFETY
@given(snapshots())
def test_hard_limits_are_never_exceeded(snapshot: Snapshot) -> None:
    plan = allocate(snapshot)
    assert not plan.safe_state
    site = snapshot.site
    total = _total(plan, list(snapshot.loads))
    for phase in site.phases:
        room = max(site.breaker_a - site.margin_a - plan.base_a[phase], 0.0)
        assert total.get(phase, 0.0) <= room + EPS, f"phase {phase}"
    assert set(total) <= set(site.phases), "current on a phase the site does not have"
    if site.max_import_w is not None:
        base_w = sum(plan.base_a.values()) * site.voltage
        room_w = max(site.max_import_w - site.import_buffer_w - base_w, 0.0)
        assert sum(total.values()) * site.voltage <= room_w + 1e-3
    for group in site.groups:
        members = [load for load in snapshot.loads if _in_group(load, group.id, site)]
        held = _held(members)
        for phase, current in _total(plan, members).items():
            room = max(group.rating_a - held.get(phase, 0.0), 0.0)
            assert current <= room + EPS, f"group {group.id} phase {phase}"
    for charger in site.chargers:
        members = [
            load
            for load in snapshot.loads
            if isinstance(load, Evse) and load.charger == charger.id
        ]
        held = _held(members)
        for phase, current in _total(plan, members).items():
            room = max(charger.max_a - held.get(phase, 0.0), 0.0)
            assert current <= room + EPS, f"charger {charger.id} phase {phase}"


@given(snapshots())
def test_a_group_shows_what_it_carries(snapshot: Snapshot) -> None:
    """Its members' allocations (nested groups' too) plus their holds, never above its rating
    beyond what silent chargers hold by themselves."""
    plan = allocate(snapshot)
    shown = group_use_a(snapshot, plan)
    site = snapshot.site
    assert set(shown) == {group.id for group in site.groups}
    for group in site.groups:
        members = [load for load in snapshot.loads if _in_group(load, group.id, site)]
        total, held = _total(plan, members), _held(members)
        for phase in site.phases:
            expected = total.get(phase, 0.0) + held.get(phase, 0.0)
            assert math.isclose(shown[group.id][phase], expected, abs_tol=EPS)
            assert (
                shown[group.id][phase]
                <= max(group.rating_a, held.get(phase, 0.0)) + EPS
            )


def _as_its_mode(load: Load) -> Load:
    """The load with its override turned into the setting it stands for (a thermal load's
    Start now is a boost started by hand)."""
    if load.override is None:
        return load
    start = load.override is Override.START
    mode = ModeSetting.STANDARD if start else ModeSetting.OFF
    if isinstance(load, Switched):
        return replace(load, override=None, mode=mode, forced=start)
    return replace(load, override=None, mode=mode)


@given(snapshots())
def test_stop_now_keeps_a_load_off_and_start_now_runs_it_as_standard(
    snapshot: Snapshot,
) -> None:
    """An override decides like the mode it stands for: Stop now as Off, Start now as
    Standard — whatever the load's own mode and the site's."""
    assume(any(load.override for load in snapshot.loads))
    plain = tuple(_as_its_mode(load) for load in snapshot.loads)
    plan = allocate(snapshot)
    expected = allocate(replace(snapshot, loads=plain))
    for load in snapshot.loads:
        got, want = plan.allocations[load.id], expected.allocations[load.id]
        assert got.current_a == want.current_a
        if load.override is Override.STOP:
            assert got.current_a == 0.0
            assert got.reason in (Reason.STOPPED_NOW, Reason.METER_STALE)
        else:
            assert got.reason == want.reason


@SAFETY
@given(snapshots())
def test_an_unreachable_connector_adds_its_hold_to_the_meter(
    snapshot: Snapshot,
) -> None:
    """The house load is what it would be with the silent connectors' readings unknown,
    plus what their chargers may still apply, on every wired line — never less."""
    silent = {
        load.id
        for load in snapshot.loads
        if isinstance(load, Evse) and load.holds_a > 0
    }
    assume(silent)
    unknown = tuple(
        replace(load, holds_a=0.0, line_a=(None,) * len(load.line_a))
        if isinstance(load, Evse) and load.id in silent
        else load
        for load in snapshot.loads
    )
    plan = allocate(snapshot)
    bare = allocate(replace(snapshot, loads=unknown))
    held = _held([load for load in snapshot.loads if load.id in silent])
    for phase in snapshot.site.phases:
        expected = bare.base_a[phase] + held.get(phase, 0.0)
        assert math.isclose(plan.base_a[phase], expected, abs_tol=1e-9), phase


@SAFETY
@given(snapshots())
def test_allocations_are_zero_or_within_min_and_max(snapshot: Snapshot) -> None:
    plan = allocate(snapshot)
    for load in snapshot.loads:
        current = plan.allocations[load.id].current_a
        if current == 0:
            continue
        if isinstance(load, Evse):
            assert load.min_a - EPS <= current <= load.max_a + EPS
            assert load.session.takes_part
        else:
            lines = len(plan.allocations[load.id].lines)
            assert math.isclose(
                current * snapshot.site.voltage * lines, load.power_w, rel_tol=1e-6
            )


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_results_are_deterministic_and_independent_of_load_order(
    snapshot: Snapshot,
) -> None:
    first = allocate(snapshot)
    assert allocate(snapshot) == first
    reordered = allocate(replace(snapshot, loads=tuple(reversed(snapshot.loads))))
    for load in snapshot.loads:
        assert (
            reordered.allocations[load.id].current_a
            == first.allocations[load.id].current_a
        )


@settings(max_examples=300, deadline=None)
@given(snapshots(), st.data())
def test_nothing_raises_on_nonsense_numbers(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    site = replace(
        snapshot.site,
        voltage=data.draw(any_float),
        breaker_a=data.draw(any_float),
        margin_a=data.draw(any_float),
        max_import_w=data.draw(st.none() | any_float),
        excess_threshold_w=data.draw(any_float),
    )
    loads = tuple(
        replace(load, min_a=data.draw(any_float), max_a=data.draw(any_float))
        if isinstance(load, Evse)
        else replace(
            load, power_w=data.draw(any_float), measured_w=data.draw(any_float)
        )
        for load in snapshot.loads
    )
    grid = {phase: data.draw(st.none() | any_float) for phase in site.phases}
    plan = allocate(replace(snapshot, site=site, loads=loads, grid_a=grid))
    for allocation in plan.allocations.values():
        assert math.isfinite(allocation.current_a)
        assert allocation.current_a >= 0


@SAFETY
@given(snapshots(), st.data())
def test_a_stale_phase_means_the_safe_state(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    stale = data.draw(st.sampled_from(snapshot.site.phases))
    grid = {
        **snapshot.grid_a,
        stale: data.draw(st.sampled_from([None, math.nan, math.inf])),
    }
    plan = allocate(replace(snapshot, grid_a=grid))
    assert plan.safe_state
    for load in snapshot.loads:
        current = plan.allocations[load.id].current_a
        if isinstance(load, Evse):
            assert (
                current <= load.control.command_a + EPS
            )  # never raised, nothing starts
            assert current <= max(load.failsafe_a, 0.0) + EPS
        elif current > 0:
            assert load.is_on  # a switched load never turns on while blind


@st.composite
def identical_loads(draw: st.DrawFn) -> Snapshot:
    """One class of identical chargers on the same phases: ordering semantics are clear-cut."""
    site = Site(
        breaker_a=draw(st.floats(0, 80)),
        max_import_w=draw(st.none() | st.floats(0, 40000)),
    )
    wired = tuple(
        draw(st.lists(st.sampled_from(PHASES), min_size=1, max_size=3, unique=True))
    )
    minimum = draw(st.floats(1, 10))
    maximum = draw(st.floats(minimum, 32))
    mode = draw(st.sampled_from([Mode.STANDARD, Mode.SOLAR, Mode.EXCESS]))
    loads = tuple(
        Evse(
            id=f"c{i}",
            wired=wired,
            min_a=minimum,
            max_a=maximum,
            priority=i + 1,
            session=Session.CONNECTED,
        )
        for i in range(draw(st.integers(2, 6)))
    )
    return Snapshot(
        site=site,
        grid_a={phase: draw(amps) for phase in site.phases},
        loads=loads,
        site_mode=mode,
        distribution=draw(st.sampled_from(list(Distribution))),
    )


@settings(max_examples=400, deadline=None)
@given(identical_loads())
def test_distribution_modes_order_identical_loads(snapshot: Snapshot) -> None:
    plan = allocate(snapshot)
    currents = [plan.allocations[load.id].current_a for load in snapshot.loads]
    running = [c for c in currents if c > 0]
    load = snapshot.loads[0]
    assert isinstance(load, Evse)
    if snapshot.distribution is Distribution.SHARED:
        assert all(math.isclose(c, running[0], abs_tol=1e-6) for c in running)
        # Nobody stays at 0 while a running one is above the minimum it could have given up.
        assert not (0 in currents and running and max(running) >= 2 * load.min_a + EPS)
    else:
        assert all(a >= b - EPS for a, b in zip(currents, currents[1:], strict=False))
    if snapshot.distribution is Distribution.SEQUENTIAL_STRICT:
        partial = [c for c in running if c < load.max_a - EPS]
        assert len(partial) <= 1
    if snapshot.distribution is not Distribution.SEQUENTIAL_STRICT:
        # Everyone who can get a minimum gets it before anyone gets more.
        assert not (0 in currents and any(c >= 2 * load.min_a + EPS for c in running))


def _drawn(load: Load, voltage: float) -> dict[Phase, float]:
    """What a load draws per phase now, by its own measurement."""
    drawn: dict[Phase, float] = {}
    if isinstance(load, Evse):
        for phase, amps in load.measured_by_line():
            drawn[phase] = drawn.get(phase, 0.0) + max(amps, 0.0)
    elif load.wired:
        for phase in load.wired:
            per_line = load.drawn_w() / (voltage * len(load.wired))
            drawn[phase] = drawn.get(phase, 0.0) + per_line
    return drawn


@SAFETY
@given(snapshots(), st.data())
def test_a_load_ignoring_its_command_never_pushes_the_others_over(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    """Loads told to stop keep drawing; the others follow: no phase goes over for them."""
    rogue = {
        load.id
        for load in snapshot.loads
        if not (isinstance(load, Switched) and load.thermal)
        and data.draw(st.booleans())
    }
    loads = tuple(
        replace(load, control=replace(load.control, allowed_a=0.0))
        if load.id in rogue
        else replace(load, control=replace(load.control, allowed_a=None))
        for load in snapshot.loads
    )
    snapshot = replace(snapshot, loads=loads)
    plan = allocate(snapshot)
    site = snapshot.site
    voltage = site.voltage
    followers = [load for load in loads if load.id not in rogue]
    for phase in site.phases:
        grid = snapshot.grid_a[phase]
        assert grid is not None
        before = grid - sum(_drawn(load, voltage).get(phase, 0.0) for load in followers)
        after = before + _total(plan, followers).get(phase, 0.0)
        limit = site.breaker_a - site.margin_a
        # The followers add nothing beyond the limit (a site over it without them gets 0).
        assert after <= max(limit, before) + 1e-6, f"phase {phase}"

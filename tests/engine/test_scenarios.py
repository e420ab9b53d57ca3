"""Runs every scenario and timeline in scenarios/*.yaml (format: scenarios/README.md)."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.dynamic_ocpp_evse.engine.allocate import allocate
from custom_components.dynamic_ocpp_evse.engine.model import Allocation, Phase, Plan

from .scenario import Spec, Timeline, build_snapshot, control_params, load_files

SCENARIOS = load_files("scenarios")
TIMELINES = load_files("timelines")


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) + len(TIMELINES) >= 80


@pytest.mark.parametrize(
    "spec", [s for _, s in SCENARIOS], ids=[i for i, _ in SCENARIOS]
)
def test_scenario(spec: Spec) -> None:
    plan = allocate(build_snapshot(spec))
    check(plan, spec["expect"], float(spec.get("tolerance", 0.01)), where="")


@pytest.mark.parametrize(
    "spec", [s for _, s in TIMELINES], ids=[i for i, _ in TIMELINES]
)
def test_timeline(spec: Spec) -> None:
    timeline = Timeline.from_spec(spec)
    params = control_params(spec.get("params", {}))
    every = float(spec.get("every", 5))
    steps = sorted(spec["steps"], key=lambda step: float(step["at"]))
    for step in steps:
        assert float(step["at"]) % every == 0, f"step at {step['at']} is not on a cycle"
    end = float(steps[-1]["at"])
    tolerance = float(spec.get("tolerance", 0.01))
    now = 0.0
    while now <= end:
        for step in steps:
            if float(step["at"]) == now:
                timeline.apply(step)
        timeline.cycle(now, params)
        for step in steps:
            if float(step["at"]) == now and "expect" in step:
                check_timeline(
                    timeline, step["expect"], tolerance, where=f"t={now:g}: "
                )
        now += every


def check(plan: Plan, expect: dict[str, Any], tolerance: float, *, where: str) -> None:
    """Compare a plan with a scenario's expectations."""
    for key, wanted in expect.items():
        if key == "_site":
            _check_site(plan, wanted, tolerance, where)
            continue
        fields = wanted if isinstance(wanted, dict) else {"current": wanted}
        _check_allocation(plan.allocations[key], fields, tolerance, f"{where}{key}")


def _check_allocation(
    got: Allocation, wanted: dict[str, Any], tol: float, where: str
) -> None:
    for field_name, value in wanted.items():
        match field_name:
            case "current":
                assert got.current_a == pytest.approx(float(value), abs=tol), (
                    f"{where}: {got}"
                )
            case "available":
                assert got.available_a == pytest.approx(float(value), abs=tol), (
                    f"{where}: {got}"
                )
            case "reason":
                assert got.reason == value, f"{where}: {got}"
            case "detail":
                assert got.detail == value, f"{where}: {got}"
            case "held":
                assert got.held is value, f"{where}: {got}"
            case "overdraw":
                assert got.overdraw_a == pytest.approx(float(value), abs=tol), (
                    f"{where}: {got}"
                )
            case "lines":
                assert got.lines == tuple(Phase(p) for p in value), f"{where}: {got}"
            case _:
                pytest.fail(f"{where}: unknown expectation {field_name!r}")


def _check_site(plan: Plan, wanted: dict[str, Any], tol: float, where: str) -> None:
    for field_name, value in wanted.items():
        match field_name:
            case "safe_state":
                assert plan.safe_state is value, f"{where}{plan}"
            case "surplus":
                assert plan.surplus_w == pytest.approx(float(value), abs=tol * 230), (
                    where
                )
            case "base" | "headroom" | "lent":
                got = {
                    "base": plan.base_a,
                    "headroom": plan.headroom_a,
                    "lent": plan.lent_a,
                }[field_name]
                for letter, amps in value.items():
                    assert got[Phase(letter)] == pytest.approx(float(amps), abs=tol), (
                        f"{where}{field_name} {letter}: {got}"
                    )
            case _:
                pytest.fail(f"{where}unknown site expectation {field_name!r}")


def check_timeline(
    timeline: Timeline, expect: dict[str, Any], tol: float, *, where: str
) -> None:
    """Compare a timeline's state after a cycle with its expectations."""
    plan = timeline.last_plan
    assert plan is not None
    for key, wanted in expect.items():
        if key == "_site":
            _check_site(plan, wanted, tol, where)
            continue
        fields = wanted if isinstance(wanted, dict) else {"command": wanted}
        state = timeline.states[key]
        allocation_expect = {}
        for field_name, value in fields.items():
            match field_name:
                case "command":
                    assert state.command_a == pytest.approx(float(value), abs=tol), (
                        f"{where}{key}: {state} / {plan.allocations[key]}"
                    )
                case "sends":
                    assert timeline.sends[key] == value, (
                        f"{where}{key}: {timeline.sends[key]}"
                    )
                case "stops":
                    assert state.stops == value, f"{where}{key}: {state}"
                case _:
                    allocation_expect[field_name] = value
        _check_allocation(
            plan.allocations[key], allocation_expect, tol, f"{where}{key}"
        )

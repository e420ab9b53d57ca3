"""Where a running load's power comes from: the sun, the battery or the grid."""

from __future__ import annotations

from typing import Any

from hypothesis import given

from custom_components.dynamic_ocpp_evse.engine.allocate import allocate
from custom_components.dynamic_ocpp_evse.engine.sources import Source, sources

from .scenario import build_snapshot
from .test_properties import snapshots


def _sources(**spec: Any) -> dict[str, Source]:
    snapshot = build_snapshot(spec)
    return sources(snapshot, allocate(snapshot))


BOILER = {
    "id": "boiler",
    "type": "plug",
    "wired": "A",
    "power": 2300,
    "on": True,
    "command": 10,
}
CAR = {"id": "car", "mode": "standard", "session": "charging", "command": 16}


def test_a_car_beyond_the_export_is_paid_by_the_sun_and_the_grid() -> None:
    """3.45 kW exported without the loads, the Standard car takes 11 kW."""
    assert _sources(house={"A": -5.0, "B": -5.0, "C": -5.0}, loads=[CAR]) == {
        "car": Source.SUN_AND_GRID
    }


def test_what_runs_on_the_surplus_is_the_suns() -> None:
    """13.8 kW exported: the car and the Solar boiler both run on it."""
    found = _sources(
        house={"A": -20.0, "B": -20.0, "C": -20.0},
        loads=[CAR, {**BOILER, "mode": "solar"}],
    )
    assert found == {"car": Source.SUN, "boiler": Source.SUN}


def test_a_minimum_held_from_the_grid_is_the_grids() -> None:
    """1 kW exported, short of the Solar car's 4.1 kW minimum: while the disable delay runs
    the grid holds it, and the sun left over is not counted as paying it."""
    found = _sources(
        house={"A": -1.5, "B": -1.5, "C": -1.5},
        mode="solar",
        loads=[
            {
                "id": "car",
                "session": "charging",
                "command": 6,
                "draw": [6, 6, 6],
                "keep_minimum": True,
            }
        ],
    )
    assert found == {"car": Source.GRID}


def test_a_discharging_battery_pays_before_the_grid() -> None:
    """Nothing exported, the battery discharges 3 kW: it carries the 2.3 kW boiler."""
    found = _sources(
        house={"A": 0.0, "B": 0.0, "C": 0.0},
        battery={"soc": 80, "power": 3000},
        loads=[{**BOILER, "mode": "standard"}],
    )
    assert found == {"boiler": Source.BATTERY}


@given(snapshots())
def test_every_load_that_draws_has_a_source_and_no_other(snapshot: Any) -> None:
    plan = allocate(snapshot)
    found = sources(snapshot, plan)
    drawing = {i for i, a in plan.allocations.items() if a.current_a > 0}
    assert set(found) == (set() if plan.safe_state else drawing)

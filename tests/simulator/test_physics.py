"""The simulated world obeys its physics: energy balance, battery, meters, cars."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simulator.controllers import Ours
from simulator.day import load_day
from simulator.run import Inputs, Trace, simulate
from simulator.world import CAR_MIN_A, World

DAYS = Path(__file__).parents[2] / "simulator" / "days"


@pytest.fixture(scope="module")
def battery_trace() -> Trace:
    day = load_day(DAYS / "battery_site.yaml")
    return simulate(day, Ours)


def test_energy_balance_at_every_step(battery_trace: Trace) -> None:
    """Grid import = house + managed loads - PV - battery discharge, on every step."""
    trace = battery_trace
    day = trace.day
    loads = sum(trace.load_w.values())
    balance = trace.house_w.sum(axis=0) + loads - trace.pv_w - trace.battery_w
    assert np.allclose(trace.grid_a.sum(axis=0) * day.voltage, balance, atol=1e-6)


def test_battery_stays_within_its_limits_and_conserves_energy(
    battery_trace: Trace,
) -> None:
    trace = battery_trace
    day = trace.day
    assert trace.soc.min() >= 10 - 1e-9
    assert trace.soc.max() <= 100 + 1e-9
    assert np.abs(trace.battery_w).max() <= day.battery_kw * 1000 + 1e-9
    stored_kwh = -(trace.battery_w.sum() * day.step_s / 3600 / 1000)
    assert (trace.soc[-1] - day.battery_soc) / 100 * day.battery_kwh == pytest.approx(
        stored_kwh, abs=1e-6
    )


def test_cars_floor_to_whole_amps_refuse_below_six_and_react_late() -> None:
    day = load_day(DAYS / "sunny_summer.yaml")
    inputs = Inputs.of(day)
    world = World(day, inputs.pv_w, inputs.house_w)
    index = int(11 * 3600 / day.step_s)  # the car is there
    t = index * day.step_s
    world.command(t, {"garage": 9.7})
    assert max(world.step(index).cars["garage"][2]) == 0.0  # not yet: 10 s reaction
    for i in range(1, 3):
        reading = world.step(index + i)
    assert reading.cars["garage"][2] == (9.0, 9.0, 9.0)  # floored to 1 A
    world.command(reading.t, {"garage": CAR_MIN_A - 0.5})
    for i in range(3, 6):
        reading = world.step(index + i)
    assert reading.cars["garage"][2] == (
        0.0,
        0.0,
        0.0,
    )  # below 6 A a car does not charge


def test_a_charger_with_a_finer_step() -> None:
    day = load_day(DAYS / "sunny_summer.yaml")
    car = replace(day.cars[0], step_a=0.1)
    day = replace(day, cars=(car,))
    inputs = Inputs.of(day)
    world = World(day, inputs.pv_w, inputs.house_w)
    index = int(11 * 3600 / day.step_s)
    world.command(index * day.step_s, {"garage": 9.77})
    for i in range(3):
        reading = world.step(index + i)
    assert reading.cars["garage"][2][0] == pytest.approx(9.7)


def test_the_meter_shows_the_managed_loads_own_draw(battery_trace: Trace) -> None:
    """The raw reading includes every managed load (what the engine must subtract)."""
    trace = battery_trace
    charging = trace.load_w["garage"] > 0
    assert charging.any()
    assert (trace.managed_a.sum(axis=0)[charging] > 0).all()


def test_pv_and_house_profiles() -> None:
    day = load_day(DAYS / "sunny_summer.yaml")
    inputs = Inputs.of(day)
    hours = day.step_s / 3600
    assert inputs.pv_w[: int(3 * 3600 / day.step_s)].max() == 0.0  # night
    assert 40 < inputs.pv_w.sum() * hours / 1000 < 60  # 8 kWp on a clear June day
    assert 7 < inputs.house_w.sum() * hours / 1000 < 13  # 3500 kWh a year

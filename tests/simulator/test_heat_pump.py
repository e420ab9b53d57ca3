"""The simulator's heat pump: outdoors, COP, its own thermostat and the room's heat balance."""

from __future__ import annotations

import pytest

from simulator.day import HeatPumpSpec
from simulator.heat_pump import HeatedHouse

SPEC = HeatPumpSpec()  # -2 °C at 6:00, 8 °C at 15:00; 20.5 °C, boosted to 22 °C


def test_the_outdoors_swings_between_its_minimum_and_maximum() -> None:
    assert SPEC.outdoor_c(6.0) == pytest.approx(-2.0)
    assert SPEC.outdoor_c(15.0) == pytest.approx(8.0)
    assert SPEC.outdoor_c(30.0) == pytest.approx(-2.0)  # the next dawn
    assert -2.0 < SPEC.outdoor_c(10.5) < SPEC.outdoor_c(12.0) < 8.0  # rising
    assert 8.0 > SPEC.outdoor_c(20.0) > SPEC.outdoor_c(2.0) > -2.0  # falling


def test_the_cop_falls_with_the_cold_within_its_bounds() -> None:
    assert SPEC.cop(0.0) == pytest.approx(3.0)
    assert SPEC.cop(5.0) == pytest.approx(3.4)
    assert SPEC.cop(-20.0) == 2.0
    assert SPEC.cop(40.0) == 5.0
    assert HeatPumpSpec(boost_offset_k=4.0).boost_c == SPEC.max_c


def test_the_room_gains_the_heat_in_less_the_loss() -> None:
    house = HeatedHouse(SPEC)
    house.room_c = 19.0  # below the user's set-point less its band: the pump runs
    drawn = house.advance(15.0, 2000.0, 3600.0, boosting=False)
    heat_w = 2000.0 * SPEC.cop(8.0) - SPEC.loss_w_per_k * (19.0 - 8.0)
    assert drawn == 2000.0
    assert house.room_c == pytest.approx(19.0 + heat_w / 10_000.0)


def _step(house: HeatedHouse, *, boosting: bool) -> tuple[float, bool]:
    """Five seconds at noon: what the pump drew, and whether it runs on after a boost."""
    drawn = house.advance(12.0, 2000.0, 5.0, boosting=boosting)
    return drawn, house.running_on


def test_a_boost_raises_the_set_point_and_its_run_goes_on_after_it() -> None:
    house = HeatedHouse(SPEC)  # at 20.5 °C the user's set-point leaves the pump off
    assert _step(house, boosting=False) == (0.0, False)
    assert _step(house, boosting=True) == (
        2000.0,
        True,
    )  # only the boost started it ...
    assert _step(house, boosting=False) == (2000.0, True)  # ... and it runs on
    house.room_c = 21.0  # where the user's set-point stops it
    assert _step(house, boosting=False) == (0.0, False)
    house.room_c = 22.5  # where a boost stops it, below the comfort maximum
    assert _step(house, boosting=True) == (0.0, False)


def test_a_run_the_user_set_point_wants_is_no_run_on() -> None:
    house = HeatedHouse(SPEC)
    house.room_c = 19.9
    house.advance(3.0, 2000.0, 5.0, boosting=True)
    assert house.running and not house.running_on

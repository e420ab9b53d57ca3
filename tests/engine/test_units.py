"""Normalising raw readings: units, sign, staleness (never 0)."""

from __future__ import annotations

import math

import pytest

from custom_components.dynamic_ocpp_evse.engine.units import (
    GRID_UNITS,
    Quantity,
    current_a,
    grid_current,
    parse_number,
    power_w,
    quantity_of,
)


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("12.5", "A", 12.5),
        ("-800", "W", -800 / 230),
        ("2.3", "kW", 10.0),
        (0.001, "MW", 1000 / 230),
        ("10000", "mA", 10.0),
        (7, "A", 7.0),
    ],
)
def test_grid_current_converts_units(raw: object, unit: str, expected: float) -> None:
    assert grid_current(raw, unit, voltage=230) == pytest.approx(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "unavailable",
        "unknown",
        "",
        "on",
        None,
        True,
        "nan",
        "inf",
        "-inf",
        math.nan,
        [1],
        10**400,  # an int no float can hold
    ],
)
def test_nonsense_is_stale_never_zero(raw: object) -> None:
    assert grid_current(raw, "A", voltage=230) is None


@pytest.mark.parametrize("unit", [None, "kWh", "V", "%", ""])
def test_unsupported_units_are_stale(unit: str | None) -> None:
    assert grid_current("3", unit, voltage=230) is None


def test_power_needs_a_usable_voltage() -> None:
    assert grid_current("230", "W", voltage=0) is None
    assert grid_current("230", "W", voltage=math.nan) is None
    assert grid_current("5", "A", voltage=0) == 5.0  # a current needs no voltage


def test_sign_inversion() -> None:
    assert grid_current("-4", "A", voltage=230, invert=True) == 4.0


def test_age() -> None:
    assert grid_current("4", "A", voltage=230, age_s=59, max_age_s=60) == 4.0
    assert grid_current("4", "A", voltage=230, age_s=61, max_age_s=60) is None
    assert grid_current("4", "A", voltage=230, age_s=math.nan, max_age_s=60) is None


def test_power_and_current_readings() -> None:
    assert power_w("1.5", "kW") == 1500.0
    assert power_w("1.5", "A") is None
    assert power_w("x", "W") is None
    assert current_a("1500", "mA") == 1.5
    assert current_a("3", "W") is None
    assert current_a(None, "A") is None


def test_unit_table() -> None:
    assert quantity_of("kW") is Quantity.POWER
    assert quantity_of("mA") is Quantity.CURRENT
    assert quantity_of("kWh") is None
    assert {"A", "mA", "W", "kW"} <= GRID_UNITS
    assert parse_number(False) is None

"""Unit conversion of raw readings into SI amps and watts."""

from __future__ import annotations

from enum import StrEnum
import math


class Quantity(StrEnum):
    """What a reading measures."""

    CURRENT = "current"
    POWER = "power"


# unit_of_measurement -> (quantity, factor to A or W)
_UNITS: dict[str, tuple[Quantity, float]] = {
    "A": (Quantity.CURRENT, 1.0),
    "mA": (Quantity.CURRENT, 0.001),
    "W": (Quantity.POWER, 1.0),
    "kW": (Quantity.POWER, 1000.0),
    "MW": (Quantity.POWER, 1_000_000.0),
}

GRID_UNITS: frozenset[str] = frozenset(_UNITS)


def quantity_of(unit: str | None) -> Quantity | None:
    """Return what a unit measures, or None when it is not a supported grid unit."""
    entry = _UNITS.get(unit or "")
    return entry[0] if entry else None


def parse_number(raw: object) -> float | None:
    """Return a finite float from a raw state, or None (never 0) when it is not one."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None
    try:
        value = float(raw)
    except (ValueError, OverflowError):  # an int too large for a float overflows
        return None
    return value if math.isfinite(value) else None


def to_si(value: float, unit: str) -> float:
    """Convert a value in a supported unit to A or W."""
    return value * _UNITS[unit][1]


def grid_current(
    raw: object,
    unit: str | None,
    *,
    voltage: float,
    invert: bool = False,
    age_s: float | None = None,
    max_age_s: float = math.inf,
) -> float | None:
    """Normalise one raw grid reading to signed amps (+ import), or None when it is stale.

    Stale means unavailable, unknown, non-numeric, NaN/inf, in an unsupported unit, or older
    than `max_age_s`. Power is converted with the phase voltage.
    """
    value = parse_number(raw)
    quantity = quantity_of(unit)
    if value is None or quantity is None or unit is None:
        return None
    if age_s is not None and not age_s <= max_age_s:
        return None
    amps = to_si(value, unit)
    if quantity is Quantity.POWER:
        if not (math.isfinite(voltage) and voltage > 0):
            return None
        amps /= voltage
    return -amps if invert else amps


def power_w(raw: object, unit: str | None) -> float | None:
    """Normalise a raw power reading (W, kW, MW) to watts, or None when it is not one."""
    value = parse_number(raw)
    if value is None or quantity_of(unit) is not Quantity.POWER or unit is None:
        return None
    return to_si(value, unit)


def current_a(raw: object, unit: str | None) -> float | None:
    """Normalise a raw current reading (A, mA) to amps, or None when it is not one."""
    value = parse_number(raw)
    if value is None or quantity_of(unit) is not Quantity.CURRENT or unit is None:
        return None
    return to_si(value, unit)

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
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def to_si(value: float, unit: str) -> float:
    """Convert a value in a supported unit to A or W."""
    return value * _UNITS[unit][1]

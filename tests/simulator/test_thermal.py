"""The breaker's thermal model keeps the standards' conventional points; the skies are as named."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from custom_components.dynamic_ocpp_evse.engine.breaker import BreakerType
from simulator.day import day_from_dict
from simulator.profiles import _cloud_factor
from simulator.thermal import heat, trips

STEP_S = 1.0


def _seconds_to_trip(multiple: float, breaker: BreakerType, rating: float) -> float:
    """From cold to a trip at `multiple` x rating; inf if not within an hour."""
    current = np.full((1, 3600), multiple * rating)
    current[0, 0] = 0.0
    for seconds in (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3599):
        if trips(current[:, : seconds + 1], rating, breaker, STEP_S):
            return float(seconds)
    return float("inf")


@pytest.mark.parametrize(
    "breaker", [BreakerType.MCB_B, BreakerType.MCB_C, BreakerType.MCB_D]
)
@pytest.mark.parametrize("rating", [16.0, 25.0, 40.0])
def test_a_circuit_breaker_keeps_iec_60898(breaker: BreakerType, rating: float) -> None:
    assert _seconds_to_trip(1.13, breaker, rating) == float("inf")
    assert _seconds_to_trip(1.45, breaker, rating) < 3600
    after_an_hour = np.full((1, 3700), 1.13 * rating)
    after_an_hour[0, 3600:] = 1.45 * rating
    assert trips(after_an_hour, rating, breaker, STEP_S)
    assert 1 <= _seconds_to_trip(2.55, breaker, rating) <= (60 if rating <= 32 else 120)


@pytest.mark.parametrize(
    ("breaker", "instant"),
    [(BreakerType.MCB_B, 3.0), (BreakerType.MCB_C, 5.0), (BreakerType.MCB_D, 10.0)],
)
def test_the_magnetic_release_trips_at_once(
    breaker: BreakerType, instant: float
) -> None:
    currents = np.array([[0.0, instant * 0.95 * 25.0, instant * 25.0]])
    warmth = heat(currents, 25.0, breaker, 0.1)  # too short for the thermal release
    assert warmth[0, 1] < 1.0
    assert warmth[0, 2] == np.inf


def test_a_gg_fuse_keeps_iec_60269() -> None:
    assert _seconds_to_trip(1.25, BreakerType.FUSE_GG, 25.0) == float("inf")
    assert _seconds_to_trip(1.6, BreakerType.FUSE_GG, 25.0) < 3600
    after_an_hour = np.full((1, 3700), 1.25 * 25.0)
    after_an_hour[0, 3600:] = 1.6 * 25.0
    assert trips(after_an_hour, 25.0, BreakerType.FUSE_GG, STEP_S)
    assert _seconds_to_trip(5.0, BreakerType.FUSE_GG, 25.0) > 1.0  # no magnetic release


def _sky(name: str) -> npt.NDArray[np.float64]:
    day = day_from_dict({"sky": name, "step_s": 10.0})
    return _cloud_factor(day, np.random.default_rng(3), 8640)


def _spells(shaded: npt.NDArray[np.bool_]) -> list[int]:
    edges = np.flatnonzero(np.diff(shaded.astype(int))) + 1
    return [len(run) for run in np.split(shaded, edges)][1:-1]


def test_the_skies_are_as_named() -> None:
    assert np.abs(_sky("clear") - 1).max() < 0.1
    assert _sky("overcast").max() < 0.7
    cumulus = _sky("cumulus") < 0.7
    spells = _spells(cumulus)
    assert 0.3 < cumulus.mean() < 0.7
    assert 20 <= 10 * np.mean(spells) <= 60  # sunny spells and shadows of 20-60 s
    scattered = _sky("scattered") < 0.7
    assert 0.02 < scattered.mean() < 0.15
    mixed = _sky("mixed")
    hours = mixed.reshape(24, 360)
    assert len({round(float(h.mean()), 1) for h in hours}) > 3  # the regime changes


def test_an_unknown_sky_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="'drizzle' is none of clear"):
        _sky("drizzle")

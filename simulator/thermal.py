"""Would the site's breaker have tripped? A thermal model of the device (docs/design.md §10).

The thermal release as one heated body: its heat (in units of the heat the rating gives) follows
the square of the current with time constant tau, and the device trips when the heat reaches
that of its ultimate tripping current, taken halfway between the conventional no-trip and trip
currents (1.29 x In for a circuit breaker, 1.425 x In for a gG fuse): never at the no-trip
current, as the standards require. From cold a circuit breaker up to 32 A then trips at
2.55 x In after 18 s (IEC 60898-1: 1-60 s), above 32 A after 35 s (1-120 s), and at 1.45 x In
after 94 s, or 38 s after an hour at 1.13 x In (within an hour); a gG fuse at 1.6 x In
after 76 s from an hour at 1.25 x In. The magnetic release trips at once from the lower end of
its band.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from custom_components.dynamic_ocpp_evse.engine.breaker import CURVES, BreakerType


def time_constant_s(breaker: BreakerType, rating_a: float) -> float:
    """The thermal time constant of a device."""
    if breaker is BreakerType.FUSE_GG:
        return 120.0
    return 60.0 if rating_a <= 32 else 120.0


def heat(
    current_a: npt.NDArray[np.float64],
    rating_a: float,
    breaker: BreakerType,
    step_s: float,
) -> npt.NDArray[np.float64]:
    """The release's heat per phase and step, as a share of what trips it (1.0 = trips).

    `current_a`: (phases, steps), the magnitude of the current through the device.
    """
    curve = CURVES[breaker]
    tau = time_constant_s(breaker, rating_a)
    keep = math.exp(-step_s / tau)
    load = (np.abs(current_a) / rating_a) ** 2
    out = np.empty_like(load)
    state = load[:, 0].copy()
    for index in range(load.shape[1]):
        state = load[:, index] + (state - load[:, index]) * keep
        out[:, index] = state
    share = out / ((curve.no_trip + curve.trip) / 2) ** 2
    if curve.instant is not None:
        share[np.abs(current_a) >= curve.instant * rating_a] = math.inf
    return np.asarray(share, dtype=np.float64)


def trips(
    current_a: npt.NDArray[np.float64],
    rating_a: float,
    breaker: BreakerType,
    step_s: float,
) -> bool:
    """Whether the device trips at some step."""
    return bool((heat(current_a, rating_a, breaker, step_s) >= 1.0).any())

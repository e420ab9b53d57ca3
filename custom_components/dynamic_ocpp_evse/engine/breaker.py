"""The site's protective device, and how much PV- and battery-backed room it may lend.

A breaker does not trip at its rating: a miniature circuit breaker (IEC 60898-1) carries
1.13 x In for an hour and trips within an hour at 1.45 x In; a gG fuse (IEC 60269, 16-63 A)
carries 1.25 x In and melts at 1.6 x In. What the site's meter shows is the net current, so
the loads may draw the rating *plus* what the PV and battery feed into the phase — until a
cloud or the battery's own controller takes that away and the net becomes import over the
rating. Such room is lent only as far as a sudden loss of all of it keeps every phase under
the device's no-trip current (docs/design.md §4.4); the control clears the excess within its
reaction time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BreakerType(StrEnum):
    """The kind of device that protects the grid connection."""

    MCB_B = "mcb_b"
    MCB_C = "mcb_c"
    MCB_D = "mcb_d"
    FUSE_GG = "fuse_gg"


@dataclass(frozen=True, slots=True)
class TripCurve:
    """A device's conventional currents, as multiples of its rating."""

    no_trip: float  # carried for an hour without tripping
    trip: float  # trips (melts) within an hour
    instant: float | None  # the magnetic release's lower bound; None for a fuse


CURVES: dict[BreakerType, TripCurve] = {
    BreakerType.MCB_B: TripCurve(1.13, 1.45, 3.0),
    BreakerType.MCB_C: TripCurve(1.13, 1.45, 5.0),
    BreakerType.MCB_D: TripCurve(1.13, 1.45, 10.0),
    BreakerType.FUSE_GG: TripCurve(1.25, 1.6, None),
}


def lendable_a(
    breaker: BreakerType, rating_a: float, backed_a: float, steady_a: float
) -> float:
    """Room over the rating a phase may use on the strength of PV and battery power.

    `backed_a`: what PV and battery feed into the phase now; `steady_a`: the least they fed over
    the lending memory (after a dip nothing is lent again at once). At most the no-trip margin:
    were all of it to vanish, the phase stays under the no-trip current.
    """
    margin = (CURVES[breaker].no_trip - 1.0) * max(rating_a, 0.0)
    return max(min(backed_a, steady_a, margin), 0.0)

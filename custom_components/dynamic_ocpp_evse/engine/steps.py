"""A charger's current steps: commands it applies as they are (docs/design.md §5)."""

from __future__ import annotations

import math

from .model import Allocation, Reason

SURPLUS_BOUND = frozenset({Reason.SURPLUS, Reason.EXCESS})


# Where only the surplus binds, a command goes up a step from below once the target is this
# share of a step past it, and back down from above once it is less than this one.
STEP_UP_AT = 0.9


STEP_DOWN_BELOW = 0.6


def on_step(
    amps: float, allocation: Allocation, step_a: float, previous: float = 0.0
) -> float:
    """A command the charger applies as it is: a whole multiple of its current step.

    Down, so that no hard limit is passed (a rise needs a quarter step of room beyond the
    step) — except where the surplus binds: to the nearest step (up only as far as the hard
    limits allow): up from below once the target is three quarters of a step past a step,
    down from above once it is less than half, so noise does not flip it. Never below the
    load's minimum.
    """
    if step_a <= 0 or amps <= 0:
        return amps
    down = math.floor(amps / step_a + 1e-9) * step_a
    if amps - down < 1e-9:
        return amps  # on a step already
    up = down + step_a
    fits = up <= amps + allocation.hard_room_a + 1e-9
    if down < allocation.min_a - 1e-9:
        return up if fits else amps
    if allocation.reason not in SURPLUS_BOUND or not fits:
        # A rise to the next step needs a quarter step of room beyond it: a target that
        # hovers at a step's edge does not make the command go up and down.
        guarded = math.floor((amps - step_a / 4) / step_a + 1e-9) * step_a
        if previous <= down and guarded >= allocation.min_a - 1e-9:
            return max(guarded, min(previous, down))
        return down
    rising = not math.isclose(previous, up)
    share = STEP_UP_AT if rising else STEP_DOWN_BELOW
    return up if amps - down >= share * step_a else down

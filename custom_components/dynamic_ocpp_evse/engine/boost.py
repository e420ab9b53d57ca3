"""When a thermal store wants a boost: below its boost temperature, with hysteresis.

Within REACHED_WITHIN_C of the boost temperature counts as there (a device stops at its
set-point by its own reading); a store that got there wants no boost until it cooled by the
hysteresis. A temperature that is not known wants none.
"""

from __future__ import annotations

from dataclasses import dataclass

REACHED_WITHIN_C = 0.5


@dataclass(slots=True)
class BoostBand:
    """Below the boost temperature a boost is wanted; reached, not again until it cooled."""

    ceiling_c: float
    hysteresis_c: float
    reached: bool = False
    forced: bool = False  # started by the user: until reached, whatever the hysteresis

    def wants(self, temperature_c: float | None) -> bool:
        """Whether a boost is wanted at this temperature (None: not known → no)."""
        if temperature_c is None:
            self.forced = False
            return False
        if temperature_c >= self.ceiling_c - REACHED_WITHIN_C:
            self.reached = True
            self.forced = False
        elif temperature_c < self.ceiling_c - self.hysteresis_c:
            self.reached = False
        return self.forced or not self.reached

"""A car behind a charger: follows the offered current late, refuses less than its minimum."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True, kw_only=True)
class Car:
    """An electric car plugged into one connector.

    A new offer takes `reaction_s` to reach the car (IEC 61851 gives a car 5 s to follow a
    lower one); from then on a decrease applies at once and an increase ramps at `ramp_a_per_s`
    (onboard chargers ramp up softly). An offer below `min_a` means no charge at all (IEC 61851
    cannot signal less). The car draws on `phases` lines, at most `max_a` each, until it is full.
    """

    phases: int = 3
    max_a: float = 16.0
    min_a: float = 6.0
    reaction_s: float = 5.0
    ramp_a_per_s: float = 2.0
    need_wh: float | None = None  # energy until full; None: never full
    delivered_wh: float = 0.0
    draw_a: float = 0.0  # per line, now
    _offers: list[tuple[datetime, float]] = field(default_factory=list)
    _last: datetime | None = None

    @property
    def full(self) -> bool:
        """Whether the car wants no more energy."""
        return self.need_wh is not None and self.delivered_wh >= self.need_wh

    def offer(self, now: datetime, amps: float) -> None:
        """The charger offers `amps` per line from `now` on."""
        if not self._offers or self._offers[-1][1] != amps:
            self._offers.append((now, amps))

    def advance(self, now: datetime, voltage: float) -> float:
        """Move to `now`: count the energy drawn since the last call; the draw per line now."""
        elapsed = (now - self._last).total_seconds() if self._last is not None else 0.0
        if elapsed > 0:
            self.delivered_wh += self.draw_a * self.phases * voltage * elapsed / 3600
        self._last = now
        reaction = timedelta(seconds=self.reaction_s)
        due = [amps for since, amps in self._offers if since + reaction <= now]
        if due:
            # Keep the offer in force and the ones still to come.
            self._offers = self._offers[len(due) - 1 :]
        offered = due[-1] if due else 0.0
        target = 0.0 if self.full or offered < self.min_a else min(offered, self.max_a)
        self.draw_a = min(target, self.draw_a + self.ramp_a_per_s * max(elapsed, 0.0))
        return self.draw_a

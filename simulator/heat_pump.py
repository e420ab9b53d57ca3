"""A house heated by a heat pump: its thermostat, and the room's heat balance step by step.

The pump runs at its power or not at all. Its thermostat switches on below the set-point less
THERMOSTAT_BAND_K and off at the set-point plus it, and never heats at or above the comfort
maximum. The heat it puts in is its power times the COP of the hour; the house loses heat to
outdoors in proportion to the difference. A run a boost started goes on after the boost ends,
up to where the user's set-point stops it: that run-on is house load the boost caused.
"""

from __future__ import annotations

from dataclasses import dataclass

from .day import HeatPumpSpec

THERMOSTAT_BAND_K = 0.5


@dataclass(slots=True)
class HeatedHouse:
    """The house as one heated body and the heat pump's own thermostat."""

    spec: HeatPumpSpec
    room_c: float = 0.0
    running: bool = False
    started_by_boost: bool = False  # this run began only because of a boost

    def __post_init__(self) -> None:
        """The room starts at the spec's start temperature."""
        self.room_c = self.spec.start_c

    def stop_c(self, *, boosting: bool) -> float:
        """Where the thermostat stops the pump, boosted or at the user's set-point."""
        spec = self.spec
        setpoint = spec.boost_c if boosting else spec.setpoint_c
        return min(setpoint + THERMOSTAT_BAND_K, spec.max_c)

    def advance(
        self, hour: float, power_w: float, step_s: float, *, boosting: bool
    ) -> float:
        """One step at an hour of the day; returns the electrical power the pump drew."""
        spec = self.spec
        setpoint = spec.boost_c if boosting else spec.setpoint_c
        if self.room_c >= self.stop_c(boosting=boosting):
            self.running = False
        elif self.room_c < setpoint - THERMOSTAT_BAND_K and not self.running:
            self.running = True
            self.started_by_boost = boosting
        # Stopped, or the user's set-point wants it too: no run-on.
        if not self.running or self.room_c < spec.setpoint_c - THERMOSTAT_BAND_K:
            self.started_by_boost = False
        drawn_w = power_w if self.running else 0.0
        outdoor = spec.outdoor_c(hour)
        loss_w = spec.loss_w_per_k * (self.room_c - outdoor)
        heat_w = drawn_w * spec.cop(outdoor) - loss_w
        self.room_c += heat_w * step_s / (spec.capacity_kwh_per_k * 3.6e6)
        return drawn_w

    @property
    def running_on(self) -> bool:
        """Whether it runs at the user's set-point only because a boost started it."""
        return self.running and self.started_by_boost

"""What the control keeps per load between cycles, its timing, and the command it gives.

Plain data (docs/design.md §5); `control.py` is the state machine over it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import Mode, Reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlParams:
    """Timing of the control; every value has a default a user may change."""

    ramp_a_per_s: float = 0.5  # how fast an increase may rise
    dead_band_a: float = 0.5  # increases smaller than this are not sent
    # Where a hard limit binds, a rise aims this far below it: the house load's small swings
    # then need no write. A decrease the limit needs always goes out at once.
    limit_band_a: float = 1.0
    # Surplus must cover the minimum this long before a start (net of the shortfall of
    # shadows between).
    enable_delay_s: float = 60.0
    disable_delay_s: float = 180.0  # surplus may be missing this long before a stop
    min_pause_s: float = 180.0  # a stopped load stays off at least this long
    max_stops_per_session: int = 6  # then delay-driven stops become "hold the minimum"
    # Stale grid data: hold commands this long, then safe state (with the next cycle, the
    # failsafe reaches the charger within 30 s of the last live reading).
    stale_timeout_s: float = 25.0
    # A load may take this long to follow a lower command; until then it may draw the higher.
    reaction_s: float = 10.0
    # A car offered current that draws none this long is released (full, or not charging) and
    # offered current again every `retry_every_s`, for `probe_s`.
    release_after_s: float = 600.0
    # The same for a switched Solar/Excess load that is on and draws almost nothing (its device
    # finished): longer, so a device's quiet phase mid-programme (soaking, drying) is not cut.
    switched_release_after_s: float = 1800.0
    # A car that draws well below its command this long limits itself: it is offered only a
    # little more than it draws (two of a charger's 60 s samples: its reading lags its draw).
    car_limit_after_s: float = 120.0
    retry_every_s: float = 1800.0
    probe_s: float = 120.0
    # A running load rises at most this many times an hour on average, in bursts of up to
    # `rise_burst` (a ramp step is a rise; with half the burst spent a ramp is sent only
    # whole): a command that follows every passing cloud wears a charger's memory. A rise
    # held back is safe; decreases, starts and stops never wait.
    rises_per_h: float = 15.0
    rise_burst: float = 10.0
    # The breaker lends PV- and battery-backed room only as far as they fed it all this time:
    # after a dip, not again at once (docs/design.md §4.4).
    lend_memory_s: float = 600.0

    def faster(self, factor: float) -> ControlParams:
        """The timing for a world that runs `factor` times faster than the clock (the demo).

        What waits on the sun and the user shortens by the factor: the start and stop delays,
        the pause, the rise budget, the breaker's memory of clouds. What waits on a device
        stays: the meter's staleness, a load's reaction time, the ramp, a charger's samples (a
        car's limit, its release and probes).
        """
        return replace(
            self,
            enable_delay_s=self.enable_delay_s / factor,
            disable_delay_s=self.disable_delay_s / factor,
            min_pause_s=self.min_pause_s / factor,
            rises_per_h=self.rises_per_h * factor,
            lend_memory_s=self.lend_memory_s / factor,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadState:
    """What the control remembers about one load between cycles."""

    command_a: float = 0.0  # the current commanded now (0 = stopped)
    mode: Mode | None = None  # the mode in force at the last cycle
    active: bool = False  # whether the load took part (car plugged, mode not off)
    stepped_at: float | None = None  # when the last cycle ran
    # The target has been above the command since (ramp).
    rising_since: float | None = None
    # The surplus has paid the minimum since (enable delay), and by how much more, net of
    # shadows meanwhile (seconds of the minimum).
    enough_since: float | None = None
    enough_s: float = 0.0
    missing_since: float | None = None  # surplus has been missing since (disable delay)
    stopped_at: float | None = None  # start of the minimum pause
    # When its command last went from 0 to some and back, for any reason (minimum on/off times).
    switched_on_at: float | None = None
    switched_off_at: float | None = None
    stops: int = 0  # stops in this plug-in session
    sent_at: float | None = None  # when a command was last written
    # The command before the last decrease, and when that came (the load's reaction time).
    lowered_from_a: float = 0.0
    lowered_at: float | None = None
    # A switched load's power when it was last seen really running (its power monitor).
    running_w: float | None = None
    quiet_since: float | None = None  # offered current, drawing none, since
    short_since: float | None = None  # drawing well below its command, since
    # Lines a charger's car drew on when it last drew (0: never seen).
    lines_seen: int = 0
    resting_since: float | None = None  # released for drawing none, since
    # Rises spent, less what time has given back (see ControlParams.rises_per_h).
    rises_spent: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """What to do with a load this cycle."""

    current_a: float  # per line
    send: bool  # write it: the value changed, or a profile must be refreshed before it expires
    reason: Reason
    # Lines the current is drawn on (converting to W for chargers that want W).
    lines: int = 0
    # Whether those are the lines the car is seen drawing on, or only the wired ones.
    lines_seen: bool = False

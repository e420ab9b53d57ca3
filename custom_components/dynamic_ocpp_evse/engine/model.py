"""The engine's data model: frozen dataclasses in SI units (A, W, V, %, s).

A snapshot describes one moment of a site: its fixed limits, the readings of its meters and the
state of every managed load. `allocate` turns a snapshot into a plan. Nothing here reads a clock
or Home Assistant; a reading that is stale is `None`, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .breaker import BreakerType


class Phase(StrEnum):
    """A phase of the site's grid connection."""

    A = "A"
    B = "B"
    C = "C"


class Mode(StrEnum):
    """How greedy a load is (docs/design.md §4.1). Switched loads call Standard "Continuous"."""

    OFF = "off"
    STANDARD = "standard"
    ECO = "eco"
    SOLAR = "solar"
    EXCESS = "excess"


class ModeSetting(StrEnum):
    """A load's own mode choice: follow the site's charging mode, or override it."""

    FOLLOW_SITE = "follow_site"
    OFF = "off"
    STANDARD = "standard"
    ECO = "eco"
    SOLAR = "solar"
    EXCESS = "excess"

    def resolve(self, site_mode: Mode) -> Mode:
        """Return the mode in force for a load with this setting."""
        return site_mode if self is ModeSetting.FOLLOW_SITE else Mode(self.value)


class Distribution(StrEnum):
    """How scarce power is shared among loads of the same urgency (docs/design.md §4.2)."""

    SHARED = "shared"
    PRIORITY = "priority"
    SEQUENTIAL_STRICT = "sequential_strict"
    SEQUENTIAL_OPTIMIZED = "sequential_optimized"


class Session(StrEnum):
    """The state of a charging session at a connector."""

    NO_CAR = "no_car"
    CONNECTED = "connected"
    CHARGING = "charging"
    SUSPENDED_EV = "suspended_ev"
    FINISHED = "finished"

    @property
    def takes_part(self) -> bool:
        """Whether a car in this state may be given current (and reserves anything)."""
        return self in (Session.CONNECTED, Session.CHARGING, Session.SUSPENDED_EV)


class Override(StrEnum):
    """The user's "now" for a load, over its mode until they resume (or the car leaves)."""

    START = "start_now"  # runs now, from the grid if need be (as Standard)
    STOP = "stop_now"  # stays off


class Reason(StrEnum):
    """What limits a load's allocation; shown to the user."""

    AT_MAXIMUM = "at_maximum"
    BREAKER = "breaker"
    IMPORT_CAP = "import_cap"
    GROUP = "group"
    CHARGER = "charger"
    SURPLUS = "surplus"
    WAITING_FOR_SURPLUS = "waiting_for_surplus"
    EXCESS = "excess"
    WAITING_FOR_EXCESS = "waiting_for_excess"
    HOLDING_MINIMUM = "holding_minimum"
    MODE_OFF = "mode_off"
    STOPPED_NOW = "stopped_now"  # the user's Stop now
    NO_CAR = "no_car"
    FINISHED = "finished"
    PAUSED = "paused"
    NOT_DRAWING = "not_drawing"  # a car connected that has not drawn for a while (full)
    CAR_LIMIT = (
        "car_limit"  # the car takes no more than it draws: the rest goes to others
    )
    METER_STALE = "meter_stale"


@dataclass(frozen=True, slots=True, kw_only=True)
class Battery:
    """A home battery and the SOC thresholds that decide what its power means."""

    soc: float | None  # %, None when stale
    power_w: float | None  # + discharge, - charge; None when stale
    # Below it the battery fills first; at or above, its charging is surplus.
    target_soc: float = 90.0
    # At or above it, running Eco/Solar loads may keep their minimum; 100 or more: never (as
    # the setting says: 100 turns it off).
    support_soc: float = 100.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Inverter:
    """AC output limits of the inverter the PV (and a DC-coupled battery) feed through."""

    max_power_w: float
    max_phase_power_w: float | None = None  # caps the total at phases x this


@dataclass(frozen=True, slots=True, kw_only=True)
class CircuitGroup:
    """A sub-breaker feeding some loads; `parent` nests it inside another group."""

    id: str
    rating_a: float  # per phase
    parent: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Charger:
    """A physical charger whose connectors together may not exceed its own maximum."""

    id: str
    max_a: float  # per phase, all connectors together


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """The fixed description of a grid connection."""

    phases: tuple[Phase, ...] = (Phase.A, Phase.B, Phase.C)
    voltage: float = 230.0
    breaker_a: float = 25.0
    breaker_type: BreakerType = BreakerType.MCB_B
    margin_a: float = 0.0
    max_import_w: float | None = None
    import_buffer_w: float = 0.0
    excess_threshold_w: float = 0.0
    inverter: Inverter | None = None
    groups: tuple[CircuitGroup, ...] = ()
    chargers: tuple[Charger, ...] = ()
    # The grid meter reports at least this often while it is live (even an unchanged value).
    meter_interval_s: float = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlFlags:
    """What the control tells the engine about a load for this cycle (docs/design.md §5)."""

    may_start: bool = True  # False while paused or an enable delay runs
    paused: bool = (
        False  # a pause after a stop runs (else an enable delay holds it back)
    )
    # A running load whose minimum must be held if limits allow.
    keep_minimum: bool = False
    command_a: float = 0.0  # the current the load was last commanded (0 = stopped)
    # A car that draws nothing when offered current: released, offered again now and then.
    resting: bool = False
    # A car that limits itself (draws well below its command): offered only this (A per
    # line), the rest goes to the others; None when it takes what it is given.
    car_limit_a: float | None = None
    # Lines a charger's car drew on when it last drew, while it does not draw yet (0: not
    # known). Counted for the surplus only: the hard limits count every wired line.
    expected_lines: int = 0
    # The most it may draw by our commands now (a lowered command counts only once the load
    # had time to follow it); None before its first command. What it draws above this is
    # house load, in every budget.
    allowed_a: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Evse:
    """One connector of an EV charger: a continuously adjustable load."""

    id: str
    wired: tuple[
        Phase, ...
    ]  # the site phase of each charger line L1, L2, L3 (phase mapping)
    min_a: float = 6.0
    max_a: float = 16.0
    # What it may draw while the meter is stale (0, or within [min, max]).
    failsafe_a: float = 6.0
    line_a: tuple[float | None, ...] = ()  # measured current per line; None when stale
    session: Session = Session.NO_CAR
    mode: ModeSetting = ModeSetting.FOLLOW_SITE
    priority: int = 1
    override: Override | None = None
    group: str | None = None
    charger: str | None = None
    # How long a command holds at the charger without being sent again (an OCPP working
    # profile's validity); None: until it is changed.
    command_lifetime_s: float | None = None
    # The charger applies whole multiples of this (1 A for most); 0: any value.
    current_step_a: float = 0.0
    # The lines its cars charge on, as the user set it; 0: the last car's, as remembered.
    car_lines: int = 0
    # A connector we cannot reach: the most its charger may let a car draw per line by itself
    # (our last working limit until it lapses, then its failsafe; 0: none). Kept free for it
    # on every wired line, on top of what the meter shows (docs/design.md §6).
    holds_a: float = 0.0
    control: ControlFlags = field(default_factory=ControlFlags)

    def active_lines(self) -> tuple[Phase, ...]:
        """Phases of the lines a car draws on: those drawing >= 1 A, else every wired line."""
        drawing = tuple(
            phase
            for phase, amps in zip(self.wired, self.line_a, strict=False)
            if amps is not None and amps >= ACTIVE_LINE_A
        )
        return drawing or self.wired

    def measured_by_line(self) -> list[tuple[Phase, float]]:
        """Measured draw of each line in use, with its site phase; stale lines left out."""
        return [
            (phase, amps)
            for phase, amps in zip(self.wired, self.line_a, strict=False)
            if amps is not None
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Switched:
    """A load that is either off or on at its power: a plug/relay, or a thermal boost.

    A thermal load (hot-water tank, heat pump) is on = boost level: it is only ever allowed in
    Solar/Excess, and its normal level is not managed (its draw then counts as house load).
    """

    id: str
    wired: tuple[Phase, ...]  # phases it draws on, equally
    power_w: float  # rated, or the last measured power while on
    is_on: bool = False
    measured_w: float | None = None  # power monitor; None when absent or stale
    thermal: bool = False
    mode: ModeSetting = ModeSetting.FOLLOW_SITE
    priority: int = 1
    override: Override | None = None
    group: str | None = None
    control: ControlFlags = field(default_factory=ControlFlags)
    # A compressor's: once on, the grid carries it this long when the surplus goes (hard
    # limits and its mode still stop it); once off, it does not start again before this.
    min_on_s: float = 0.0
    min_off_s: float = 0.0
    forced: bool = (
        False  # a thermal boost the user started now: from the grid if need be
    )

    def drawn_w(self) -> float:
        """The power it is drawing now, as the grid meter sees it."""
        if not self.is_on:
            return 0.0
        return self.measured_w if self.measured_w is not None else self.power_w


type Load = Evse | Switched

ACTIVE_LINE_A = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """One moment of a site: limits, readings and loads. Grid current is + import, per phase."""

    site: Site
    grid_a: Mapping[Phase, float | None]  # None when stale
    # Seconds since each phase's meter last reported; a phase not listed reported just now.
    grid_age_s: Mapping[Phase, float] = field(default_factory=dict)
    loads: tuple[Load, ...] = ()
    site_mode: Mode = Mode.STANDARD
    distribution: Distribution = Distribution.SHARED
    solar_w: float | None = None  # production, when a solar entity is configured
    # A solar entity is configured: a None `solar_w` is then a stale reading.
    solar_sensor: bool = False
    battery: Battery | None = None
    # Changes smaller than this leave a surplus-driven current as it is.
    dead_band_a: float = 0.5
    # The least PV and battery power fed into each phase over the lending memory before this
    # cycle (A); None: no memory, what they feed now counts.
    backing_low_a: Mapping[Phase, float] | None = None
    backing_high_a: Mapping[Phase, float] | None = None  # and the most


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """The decision for one load."""

    current_a: float  # per active line; 0 or within [min, max]
    available_a: float  # what it would get if it started now
    reason: Reason
    min_a: float = 0.0  # the least it runs at (a start jumps straight to it)
    detail: str = ""  # the phase, group or charger behind the reason
    lines: tuple[Phase, ...] = ()  # the phases the current is drawn on
    # The current is a minimum held from the grid, not paid by the surplus.
    held: bool = False
    # The share of its minimum the surplus could pay this cycle (above 1: surplus to spare):
    # for a running surplus load whose minimum is kept, and for an idle one the surplus keeps
    # from starting; None when not judged.
    paid_share: float | None = None
    # By how much the load draws above what it is allowed (A per line): reserved as house
    # load, and the load is commanded again.
    overdraw_a: float = 0.0
    # How much more (A per line) the hard limits would still allow above `current_a`.
    hard_room_a: float = 0.0

    @property
    def on(self) -> bool:
        """Whether the load may draw at all."""
        return self.current_a > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The result of one allocation."""

    allocations: Mapping[str, Allocation]
    base_a: Mapping[
        Phase, float
    ]  # house load per phase, managed loads removed (empty if stale)
    headroom_a: Mapping[
        Phase, float
    ]  # breaker room per phase left after the allocations
    surplus_w: float  # power that would leave the site with every managed load off
    managed_w: float = 0.0  # power allocated to the managed loads
    # What PV and battery feed into each phase now (A; empty if stale), and the part of it the
    # breaker budget lends (docs/design.md §4.4).
    backing_a: Mapping[Phase, float] = field(default_factory=dict)
    lent_a: Mapping[Phase, float] = field(default_factory=dict)
    safe_state: bool = False  # the grid meter is stale: failsafe allocations


# Modes that run only on surplus.
SURPLUS_MODES = frozenset({Mode.SOLAR, Mode.EXCESS})


def effective_mode(load: Load, site_mode: Mode) -> Mode:
    """The mode a load runs in: its own setting or the site's, as its kind allows."""
    if load.override is Override.STOP:
        return Mode.OFF
    if load.override is Override.START:
        return Mode.STANDARD
    mode = load.mode.resolve(site_mode)
    if isinstance(load, Switched) and load.forced:
        return Mode.STANDARD  # started by the user: whenever the hard limits allow
    if (
        isinstance(load, Switched)
        and load.thermal
        and mode in (Mode.STANDARD, Mode.ECO)
    ):
        return (
            Mode.OFF
        )  # a thermal boost is for surplus only; its normal level is its own
    if isinstance(load, Switched) and mode is Mode.ECO:
        return Mode.STANDARD  # an on/off load's minimum is its whole power
    return mode

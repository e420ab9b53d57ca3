"""`allocate(snapshot)`: how much current every load may draw this cycle (docs/design.md §4).

Every limit is a linear budget: a remaining capacity and, per load, how much of it one amp per
line uses (the breaker of phase B: 1 per line on B; the import cap: V x lines; the surplus: the
same, netted over phases). Loads are served class by class in urgency order (§4.3); inside a class
the distribution mode decides who gets what. A load gets 0 or a current within [min, max].
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import chain
import math

from .allocator import Allocator
from .breaker import lendable_a
from .budgets import Candidate, Pool, SiteBudgets
from .distribute import distribute, hold_minimums, keep_within_dead_band
from .explain import result_of, safe_plan
from .facts import EPS, lines_of, mode_of, order_key
from .house import backing_a, base_load, held_a, surplus_w, voltage_of
from .model import (
    SURPLUS_MODES,
    Allocation,
    Distribution,
    Evse,
    Mode,
    Phase,
    Plan,
    Reason,
    Snapshot,
)


def allocate(snapshot: Snapshot) -> Plan:
    """Decide the current of every load for one snapshot. Deterministic; never raises."""
    site = snapshot.site
    grid = {phase: snapshot.grid_a.get(phase) for phase in site.phases}
    if any(value is None or not math.isfinite(value) for value in grid.values()):
        return safe_plan(snapshot)
    net, overdraw = base_load(
        snapshot, {p: v for p, v in grid.items() if v is not None}
    )
    # What PV and battery feed is read from the meter alone: a held limit is not exported.
    backing, known = backing_a(snapshot, net)
    held = held_a(snapshot)
    base = {p: net[p] + held[p] for p in site.phases}
    surplus = surplus_w(snapshot, base)
    low = backing if snapshot.backing_low_a is None else snapshot.backing_low_a
    lent = {
        p: lendable_a(site.breaker_type, site.breaker_a, backing[p], low.get(p, 0.0))
        if known
        else 0.0
        for p in site.phases
    }
    room = {
        p: site.breaker_a - site.margin_a - base[p] - backing[p] + lent[p]
        for p in site.phases
    }
    # The import cap counts on PV and battery only as far as they fed it over the memory:
    # a passing cloud does not turn loads on and off at the cap (no device margin here).
    unsteady_w = voltage_of(snapshot) * sum(
        backing[p] - min(backing[p], low.get(p, 0.0)) for p in site.phases
    )
    allocations, used = _run(snapshot, base, surplus, room, unsteady_w)
    for load_id, excess in overdraw.items():
        allocations[load_id] = replace(allocations[load_id], overdraw_a=excess)
    return Plan(
        allocations=allocations,
        base_a=base,
        headroom_a={p: room[p] - used.get(p, 0.0) for p in site.phases},
        surplus_w=surplus,
        managed_w=sum(used.values()) * voltage_of(snapshot),
        backing_a=backing,
        lent_a=lent,
    )


# Urgency classes, served one after another (docs/design.md §4.3). Eco minimums come from the grid;
# Eco top-ups and Solar loads then share the surplus as one class; Excess takes what is left.
_STANDARD, _ECO_MINIMUMS, _SURPLUS, _EXCESS = range(4)
_STAGES = (_STANDARD, _ECO_MINIMUMS, _SURPLUS, _EXCESS)
_STAGES_OF = {
    Mode.STANDARD: (_STANDARD,),
    Mode.ECO: (_ECO_MINIMUMS, _SURPLUS),
    Mode.SOLAR: (_SURPLUS,),
    Mode.EXCESS: (_EXCESS,),
}
_STARTABLE = frozenset(
    {Reason.NO_CAR, Reason.FINISHED, Reason.PAUSED, Reason.NOT_DRAWING}
)


@dataclass(frozen=True, slots=True)
class _Rules:
    """What serving a class needs besides the budgets."""

    distribution: Distribution
    battery_supports: bool
    excess_threshold_w: float

    @classmethod
    def of(cls, snapshot: Snapshot) -> _Rules:
        """The rules of this snapshot; the battery supports loads above its support SOC."""
        battery = snapshot.battery
        return cls(
            distribution=snapshot.distribution,
            battery_supports=battery is not None
            and battery.soc is not None
            and math.isfinite(battery.soc)
            and battery.support_soc < 100.0
            and battery.soc >= battery.support_soc,
            excess_threshold_w=max(snapshot.site.excess_threshold_w, 0.0),
        )


def _run(
    snapshot: Snapshot,
    base: dict[Phase, float],
    surplus_w: float,
    breaker_room: dict[Phase, float],
    unsteady_w: float,
) -> tuple[dict[str, Allocation], dict[Phase, float]]:
    """One allocation over every load. Returns the allocations and the draw per phase."""
    budgets = _site_budgets(snapshot, base, surplus_w, breaker_room, unsteady_w)
    allocator = Allocator(budgets.budgets, budgets.surplus)
    cands, idle, starters = _candidates(snapshot, budgets)
    classes: dict[int, list[Candidate]] = {stage: [] for stage in _STAGES}
    for cand in cands:  # in priority order
        allocator.enter(cand)
        for stage in _STAGES_OF[cand.mode]:
            classes[stage].append(cand)
    rules = _Rules.of(snapshot)
    trials = _Trials({_STAGES_OF[s.mode] for s in starters.values()}, classes)
    for stage in _STAGES:
        trials.mark(stage, allocator)
        _serve(allocator, stage, classes[stage], rules)
    keep_within_dead_band(
        allocator,
        [c for c in cands if c.mode is not Mode.STANDARD],
        snapshot.dead_band_a,
    )
    allocations = dict(idle)
    used: dict[Phase, float] = {}
    for cand in cands:
        allocations[cand.load.id] = result_of(allocator, cand)
        for phase in cand.lines:
            used[phase] = used.get(phase, 0.0) + allocator.got[cand].current
    for load_id, starter in starters.items():
        started = _available(trials, starter, classes, rules)
        allocations[load_id] = _idle_with_start(allocations[load_id], started, starter)
    return {load.id: allocations[load.id] for load in snapshot.loads}, used


def _served_in(
    stages: tuple[int, ...], classes: dict[int, list[Candidate]]
) -> Iterator[Candidate]:
    """The candidates served in these classes."""
    return chain.from_iterable(classes[stage] for stage in stages)


def _idle_with_start(
    idle: Allocation, started: Allocation, starter: Candidate
) -> Allocation:
    """An idle load's allocation with what it would get if it started now.

    One held back by the control also gets the share the surplus could pay (its enable timer
    reads it) and says what it waits for: what it lacks, or, with the surplus there, the
    enable delay (only a pause after a stop is *paused*).
    """
    idle = replace(idle, available_a=started.current_a)
    if idle.reason is not Reason.PAUSED:
        return idle
    idle = replace(idle, paid_share=started.paid_share)
    if not started.on:
        idle = replace(idle, reason=started.reason, detail=started.detail)
    elif not starter.load.control.paused:
        excess = starter.mode is Mode.EXCESS
        waiting = Reason.WAITING_FOR_EXCESS if excess else Reason.WAITING_FOR_SURPLUS
        idle = replace(idle, reason=waiting)
    return idle


def _serve(
    allocator: Allocator, stage: int, cands: list[Candidate], rules: _Rules
) -> None:
    """Serve one stage completely (docs/design.md §4.3); `cands` in priority order."""
    distribution = rules.distribution
    if stage == _STANDARD:  # everything the hard limits allow
        distribute(allocator, cands, distribution, pool=Pool.HARD)
    elif stage == _ECO_MINIMUMS:  # in order, from the grid
        for cand in cands:
            allocator.grant_minimum(cand, pool=Pool.HARD)
    elif stage == _SURPLUS:  # Solar minimums and Eco top-ups, one class
        solar = [cand for cand in cands if cand.mode is Mode.SOLAR]
        hold_minimums(allocator, solar, supported=rules.battery_supports)
        sharing = [
            c for c in cands if c.mode is Mode.SOLAR or allocator.got[c].current > 0
        ]
        distribute(allocator, sharing, distribution, pool=Pool.WITH_SURPLUS)
    else:  # Excess: only the export above the threshold
        allocator.budgets[allocator.surplus].remaining -= rules.excess_threshold_w
        hold_minimums(allocator, cands, supported=False)
        distribute(allocator, cands, distribution, pool=Pool.WITH_SURPLUS)


class _Trials:
    """The run as each class began, and a scratch run per class to try idle loads on."""

    def __init__(
        self, tried: set[tuple[int, ...]], classes: dict[int, list[Candidate]]
    ) -> None:
        """Marks for the classes idle loads would join (`tried`: their stages)."""
        self._served = {
            stages[0]: tuple(_served_in(stages, classes)) for stages in tried
        }
        self._marks: dict[int, Allocator] = {}
        self._scratch: dict[int, Allocator] = {}

    def mark(self, stage: int, allocator: Allocator) -> None:
        """Keep the run as this class begins, if an idle load would join it."""
        if stage in self._served:
            self._marks[stage] = allocator.fork(self._served[stage])

    def scratch(self, stage: int) -> Allocator:
        """The run as the class began, to try one idle load on (reset for each)."""
        mark = self._marks[stage]
        scratch = self._scratch.get(stage)
        if scratch is None:
            scratch = self._scratch[stage] = mark.fork(mark.got)
        else:
            scratch.reset_to(mark)
        return scratch


def _available(
    trials: _Trials,
    starter: Candidate,
    classes: dict[int, list[Candidate]],
    rules: _Rules,
) -> Allocation:
    """What an idle load would get if it started now (docs/design.md §4.3), and what would limit it.

    Exactly the allocation re-run with it connected: earlier classes do not see it and later
    ones cannot take from it, so only its own class is served again — every load of it, the
    running ones behind it that it would displace included — on a scratch copy of the run as
    it was when that class began (the run itself is never touched).
    """
    stages = _STAGES_OF[starter.mode]
    trial = trials.scratch(stages[0])
    grant = trial.enter(starter)
    try:
        pool = Pool.WITH_SURPLUS if starter.mode in SURPLUS_MODES else Pool.HARD
        room, which = trial.room(starter, pool=pool)
        if room + EPS < starter.min_a:  # it would not get its minimum even alone
            grant.binding = which
            return result_of(trial, starter)
        for stage in stages:
            joined = list(classes[stage])  # in priority order
            insort(joined, starter, key=lambda c: order_key(c.load))
            _serve(trial, stage, joined, rules)
        if grant.current > EPS and starter.mode in SURPLUS_MODES:
            grant.paid = trial.surplus_share(starter, grant.current)
        return result_of(trial, starter)
    finally:
        del trial.got[starter]  # the scratch run is the class's again


def _site_budgets(
    snapshot: Snapshot,
    base: dict[Phase, float],
    surplus_w: float,
    breaker_room: dict[Phase, float],
    unsteady_w: float,
) -> SiteBudgets:
    """The site's limits as budgets; the import cap net of the house and unsteady backing."""
    site = snapshot.site
    voltage = voltage_of(snapshot)
    import_room_w = (
        None
        if site.max_import_w is None
        else site.max_import_w
        - site.import_buffer_w
        - sum(base.values()) * voltage
        - unsteady_w
    )
    budgets = SiteBudgets.build(
        site,
        voltage=voltage,
        breaker_room=breaker_room,
        import_room_w=import_room_w,
        surplus_w=surplus_w,
    )
    for load in snapshot.loads:
        if isinstance(load, Evse) and load.holds_a > 0:
            budgets.reserve(load)
    return budgets


def _candidates(
    snapshot: Snapshot, budgets: SiteBudgets
) -> tuple[list[Candidate], dict[str, Allocation], dict[str, Candidate]]:
    """Every load as a candidate (in order), or an idle allocation.

    An idle load that could start (no car, finished, paused) also gets a starter: the candidate
    it would be once started, with a car on every wired line.
    """
    cands: list[Candidate] = []
    idle: dict[str, Allocation] = {}
    starters: dict[str, Candidate] = {}
    for load in sorted(snapshot.loads, key=order_key):
        mode, reason = mode_of(snapshot, load)
        lines = budgets.usable(lines_of(load))
        cand = budgets.candidate(load, mode, lines) if reason is None else None
        if cand is not None:
            cands.append(cand)
            continue
        if reason is None:
            reason = Reason.MODE_OFF if not lines else Reason.AT_MAXIMUM
        idle[load.id] = Allocation(
            current_a=0.0, available_a=0.0, reason=reason, lines=lines
        )
        if reason in _STARTABLE:
            wired = load.wired if reason is not Reason.PAUSED else lines_of(load)
            starter = budgets.candidate(load, mode, budgets.usable(wired))
            if starter is not None:
                starters[load.id] = replace(starter, running=False)
    return cands, idle, starters

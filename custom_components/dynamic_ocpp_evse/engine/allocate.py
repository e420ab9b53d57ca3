"""`allocate(snapshot)`: how much current every load may draw this cycle (docs/design.md §4).

Every limit is a linear budget: a remaining capacity and, per load, how much of it one amp per
line uses (the breaker of phase B: 1 per line on B; the import cap: V x lines; the surplus: the
same, netted over phases). Loads are served class by class in urgency order (§4.3); inside a class
the distribution mode decides who gets what. A load gets 0 or a current within [min, max].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
import heapq
import math

from .breaker import lendable_a
from .model import (
    Allocation,
    Distribution,
    Evse,
    Load,
    Mode,
    Phase,
    Plan,
    Reason,
    Session,
    Snapshot,
    Switched,
)

EPS = 1e-6


@dataclass(slots=True)
class _Budget:
    remaining: float
    reason: Reason
    detail: str = ""


@dataclass(slots=True, eq=False)
class _Candidate:
    """A load that takes part this cycle, reduced to what the allocation needs."""

    load: Load
    mode: Mode
    min_a: float
    max_a: float
    lines: tuple[Phase, ...]
    terms: list[tuple[int, float]]  # (budget index, use per amp), hard budgets only
    all_terms: list[tuple[int, float]]  # the same and the surplus
    watts_per_a: float
    running: bool
    current: float = 0.0
    binding: int | None = None  # the budget that stopped it below its maximum
    held: bool = False
    paid: float | None = None  # the share of its kept minimum the surplus could pay


@dataclass(slots=True)
class _Allocator:
    """The budgets of one allocation run and the operations on them."""

    budgets: list[_Budget]
    surplus: int  # index of the surplus budget (not a hard limit)

    def room(self, cand: _Candidate, *, surplus: bool) -> tuple[float, int | None]:
        """How many more amps per line the candidate may take, and what limits it."""
        best, which = math.inf, None
        for index, use in self.terms_of(cand, surplus=surplus):
            amps = self.budgets[index].remaining / use
            if amps < best:
                best, which = amps, index
        return max(best, 0.0), which

    def take(self, cand: _Candidate, amps: float) -> None:
        """Give the candidate `amps` more (negative gives back); every budget it uses pays."""
        cand.current += amps
        for index, use in self.terms_of(cand, surplus=True):
            self.budgets[index].remaining -= amps * use

    @staticmethod
    def terms_of(cand: _Candidate, *, surplus: bool) -> list[tuple[int, float]]:
        """The budgets a candidate uses: the hard ones, and the surplus if it counts."""
        return cand.all_terms if surplus else cand.terms

    def surplus_share(self, cand: _Candidate, taken: float) -> float | None:
        """The share of its minimum the surplus left, and the `taken` amps, could pay."""
        if cand.min_a <= 0:
            return None
        left = max(self.budgets[self.surplus].remaining, 0.0) / cand.watts_per_a
        return (left + taken) / cand.min_a

    def grant_minimum(self, cand: _Candidate, *, surplus: bool) -> bool:
        """Give a stopped candidate its minimum if every budget allows it."""
        room, which = self.room(cand, surplus=surplus)
        if room + EPS >= cand.min_a:
            self.take(cand, cand.min_a)
            return True
        if surplus:  # name a hard limit when it alone rules the minimum out
            hard_room, hard_which = self.room(cand, surplus=False)
            if hard_room + EPS < cand.min_a:
                which = hard_which
        cand.binding = which
        return False

    def top_up(self, cand: _Candidate, *, surplus: bool) -> None:
        """Raise a running candidate as far as its maximum and the budgets allow."""
        room, which = self.room(cand, surplus=surplus)
        wanted = cand.max_a - cand.current
        if room + EPS < wanted:
            cand.binding = which
            wanted = room
        if wanted > 0:
            self.take(cand, wanted)

    def fill_sequential(self, cand: _Candidate, *, surplus: bool) -> bool:
        """Fill one candidate to as much as it can get; below its minimum it gets nothing."""
        if cand.current == 0 and not self.grant_minimum(cand, surplus=surplus):
            return False
        self.top_up(cand, surplus=surplus)
        return True

    def fill_shared(self, cands: Sequence[_Candidate], *, surplus: bool) -> None:
        """Progressive filling: running candidates rise together, amp for amp.

        Each rises until it reaches its maximum or a budget it uses runs out.
        """
        active = {
            id(c): c for c in cands if c.current > 0 and c.current < c.max_a - EPS
        }
        if not active:
            return
        base = {key: c.current for key, c in active.items()}
        members: dict[int, list[_Candidate]] = {}
        rate: dict[int, float] = {}
        for cand in active.values():
            for index, use in self.terms_of(cand, surplus=surplus):
                members.setdefault(index, []).append(cand)
                rate[index] = rate.get(index, 0.0) + use
        ceilings = [(c.max_a - c.current, id(c)) for c in active.values()]
        heapq.heapify(ceilings)
        level = 0.0  # amps added to every active candidate so far
        spent = dict.fromkeys(rate, 0.0)  # level at which each budget was last settled

        def settle(index: int) -> None:
            self.budgets[index].remaining -= rate[index] * (level - spent[index])
            spent[index] = level

        def freeze(cand: _Candidate, binding: int | None) -> None:
            del active[id(cand)]
            cand.current = base[id(cand)] + level
            cand.binding = binding
            for index, use in self.terms_of(cand, surplus=surplus):
                settle(index)
                rate[index] -= use

        while active:
            while ceilings and ceilings[0][1] not in active:
                heapq.heappop(ceilings)
            step, binding = (
                (ceilings[0][0] - level, None) if ceilings else (math.inf, None)
            )
            for index, use_rate in rate.items():
                if use_rate > EPS:
                    remaining = self.budgets[index].remaining - use_rate * (
                        level - spent[index]
                    )
                    if remaining / use_rate < step:
                        step, binding = remaining / use_rate, index
            level += max(step, 0.0)
            if binding is None:
                _, key = heapq.heappop(ceilings)
                freeze(active[key], None)
                continue
            for cand in list(members[binding]):
                if id(cand) in active:
                    freeze(cand, binding)
        for cand in cands:
            if id(cand) in base:
                cand.current = min(cand.current, cand.max_a)
                # What limits the filling is paid above; what the candidate also uses (the
                # surplus, when it did not limit it) pays for the rise as well.
                limiting = set(self.terms_of(cand, surplus=surplus))
                for index, use in cand.all_terms:
                    if (index, use) not in limiting:
                        self.budgets[index].remaining -= (
                            cand.current - base[id(cand)]
                        ) * use


def allocate(snapshot: Snapshot) -> Plan:
    """Decide the current of every load for one snapshot. Deterministic; never raises."""
    site = snapshot.site
    grid = {phase: snapshot.grid_a.get(phase) for phase in site.phases}
    if any(value is None or not math.isfinite(value) for value in grid.values()):
        return _safe_plan(snapshot)
    base, overdraw = _base_load(
        snapshot, {p: v for p, v in grid.items() if v is not None}
    )
    surplus = _surplus_w(snapshot, base)
    backing, known = _backing_a(snapshot, base)
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
    unsteady_w = _voltage(snapshot) * sum(
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
        managed_w=sum(used.values()) * _voltage(snapshot),
        backing_a=backing,
        lent_a=lent,
    )


def _backing_a(
    snapshot: Snapshot, base: dict[Phase, float]
) -> tuple[dict[Phase, float], bool]:
    """What PV and a discharging battery feed into each phase now, and whether it is known.

    Their power spread evenly over the site's phases (a symmetric inverter), and never less
    than what a phase exports (docs/design.md §4.4). Without a solar sensor the PV is seen only
    as that export. While a configured solar or battery power reading is stale, the most
    they fed over the lending memory is taken, and nothing is lent.
    """
    phases = snapshot.site.phases
    voltage = _voltage(snapshot)
    fed_w, known = 0.0, True
    solar = snapshot.solar_w
    if solar is not None and math.isfinite(solar):
        fed_w += max(solar, 0.0)
    elif snapshot.solar_sensor:
        known = False
    battery = snapshot.battery.power_w if snapshot.battery is not None else None
    if battery is not None and math.isfinite(battery):
        fed_w += max(battery, 0.0)
    elif snapshot.battery is not None:
        known = False
    share = fed_w / (voltage * len(phases)) if phases else 0.0
    high = (snapshot.backing_high_a or {}) if not known else {}
    return {p: max(share, -base[p], high.get(p, 0.0), 0.0) for p in phases}, known


def _base_load(
    snapshot: Snapshot, grid: dict[Phase, float]
) -> tuple[dict[Phase, float], dict[str, float]]:
    """House load per phase, and the loads that draw more than they are allowed.

    The grid reading less what the managed loads draw (docs/design.md §11, trap 1) — but only up to what each is
    allowed: what a load draws above its command (a load that ignores it, or a reading from
    before the load followed a lower one) stays house load, in every budget.
    """
    voltage = _voltage(snapshot)
    base = dict(grid)
    overdraw: dict[str, float] = {}
    # The same sums whatever the order.
    for load in sorted(snapshot.loads, key=_order_key):
        allowed = load.control.allowed_a
        excess = 0.0
        if isinstance(load, Evse):
            drawn = load.measured_by_line()
        elif load.wired and _drawn_is_managed(load):
            total = load.drawn_w()
            per_line = total / (voltage * len(load.wired)) if total > 0 else 0.0
            drawn = [(phase, per_line) for phase in load.wired]
        else:
            continue
        for phase, amps in drawn:
            if phase not in base or not math.isfinite(amps) or amps <= 0:
                continue
            ours = amps if allowed is None else min(amps, allowed)
            base[phase] -= ours
            excess = max(excess, amps - ours)
        if excess > OVERDRAW_TOLERANCE_A:
            overdraw[load.id] = excess
    return base, overdraw


OVERDRAW_TOLERANCE_A = 1.0  # drawing this much above the command is following it


def _drawn_is_managed(load: Switched) -> bool:
    # A thermal load's normal heating is house load; only its boost is ours.
    return not load.thermal or load.control.command_a > 0


def _voltage(snapshot: Snapshot) -> float:
    voltage = snapshot.site.voltage
    return voltage if math.isfinite(voltage) and voltage > 1 else 230.0


def _surplus_w(snapshot: Snapshot, base: dict[Phase, float]) -> float:
    """Power that would leave the site with every managed load off (docs/design.md §4.1, §4.3)."""
    export = -sum(base.values()) * _voltage(snapshot)
    battery = snapshot.battery
    if battery is None:
        return export
    power = battery.power_w
    if power is None or not math.isfinite(power):
        return min(export, 0.0)  # stale battery power: no surplus
    if power >= 0:
        return export - power  # discharging feeds the loads: a deficit, not surplus
    soc = battery.soc
    if soc is None or not math.isfinite(soc) or soc < battery.target_soc:
        return export  # below its target the battery fills first
    return export + min(-power, _inverter_room_w(snapshot, -power))


def _inverter_room_w(snapshot: Snapshot, charge_w: float) -> float:
    """How much of the battery's charging power the inverter could deliver as AC instead."""
    inverter = snapshot.site.inverter
    solar = snapshot.solar_w
    if inverter is None or solar is None or not math.isfinite(solar):
        return math.inf
    capacity = inverter.max_power_w
    if inverter.max_phase_power_w is not None:
        capacity = min(capacity, inverter.max_phase_power_w * len(snapshot.site.phases))
    output = solar - charge_w
    return max(capacity - output, 0.0)


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
_SURPLUS_CLASSES = frozenset({Mode.SOLAR, Mode.EXCESS})


@dataclass(frozen=True, slots=True)
class _Rules:
    """What serving a class needs besides the budgets."""

    distribution: Distribution
    battery_supports: bool
    excess_threshold_w: float


@dataclass(frozen=True, slots=True)
class _Checkpoint:
    """The budgets and every candidate as they were when a stage began."""

    remaining: tuple[float, ...]
    cands: tuple[tuple[_Candidate, float, int | None, bool], ...]

    @classmethod
    def take(cls, allocator: _Allocator, cands: list[_Candidate]) -> _Checkpoint:
        return cls(
            tuple(budget.remaining for budget in allocator.budgets),
            tuple((c, c.current, c.binding, c.held) for c in cands),
        )

    def restore(self, allocator: _Allocator) -> None:
        for budget, remaining in zip(allocator.budgets, self.remaining, strict=True):
            budget.remaining = remaining
        for cand, current, binding, held in self.cands:
            cand.current, cand.binding, cand.held = current, binding, held


def _run(
    snapshot: Snapshot,
    base: dict[Phase, float],
    surplus_w: float,
    breaker_room: dict[Phase, float],
    unsteady_w: float,
) -> tuple[dict[str, Allocation], dict[Phase, float]]:
    """One allocation over every load. Returns the allocations and the draw per phase."""
    allocator, cands, idle, starters = _prepare(
        snapshot, base, surplus_w, breaker_room, unsteady_w
    )
    members: dict[int, list[_Candidate]] = {stage: [] for stage in _STAGES}
    for cand in cands:  # in priority order
        for stage in _STAGES_OF[cand.mode]:
            members[stage].append(cand)
    battery = snapshot.battery
    rules = _Rules(
        distribution=snapshot.distribution,
        battery_supports=battery is not None
        and battery.soc is not None
        and math.isfinite(battery.soc)
        and battery.support_soc < 100.0
        and battery.soc >= battery.support_soc,
        excess_threshold_w=max(snapshot.site.excess_threshold_w, 0.0),
    )
    checkpoints: dict[int, _Checkpoint] = {}
    for stage in _STAGES:
        checkpoints[stage] = _Checkpoint.take(allocator, cands)
        _serve(allocator, stage, members[stage], rules)
    _keep_within_dead_band(
        allocator,
        [c for c in cands if c.mode is not Mode.STANDARD],
        snapshot.dead_band_a,
    )

    allocations = dict(idle)
    used: dict[Phase, float] = {}
    for cand in cands:
        allocations[cand.load.id] = _result(allocator, cand)
        for phase in cand.lines:
            used[phase] = used.get(phase, 0.0) + cand.current
    for load_id, starter in starters.items():
        started = _available(allocator, starter, members, checkpoints, rules)
        idle_allocation = replace(allocations[load_id], available_a=started.current_a)
        if idle_allocation.reason is Reason.PAUSED:
            # Held back by the control: its enable timer reads the share the surplus could
            # pay, and with nothing to wait for yet it says what it waits for.
            idle_allocation = replace(idle_allocation, paid_share=started.paid_share)
            if not started.on:
                idle_allocation = replace(
                    idle_allocation, reason=started.reason, detail=started.detail
                )
        allocations[load_id] = idle_allocation
    return {load.id: allocations[load.id] for load in snapshot.loads}, used


def _serve(
    allocator: _Allocator, stage: int, cands: list[_Candidate], rules: _Rules
) -> None:
    """Serve one stage completely (docs/design.md §4.3); `cands` in priority order."""
    distribution = rules.distribution
    if stage == _STANDARD:  # everything the hard limits allow
        _distribute(allocator, cands, distribution, surplus=False)
    elif stage == _ECO_MINIMUMS:  # in order, from the grid
        for cand in cands:
            allocator.grant_minimum(cand, surplus=False)
    elif stage == _SURPLUS:  # Solar minimums and Eco top-ups, one class
        solar = [cand for cand in cands if cand.mode is Mode.SOLAR]
        _hold_minimums(allocator, solar, supported=rules.battery_supports)
        sharing = [c for c in cands if c.mode is Mode.SOLAR or c.current > 0]
        _distribute(allocator, sharing, distribution, surplus=True)
    else:  # Excess: only the export above the threshold
        allocator.budgets[allocator.surplus].remaining -= rules.excess_threshold_w
        _hold_minimums(allocator, cands, supported=False)
        _distribute(allocator, cands, distribution, surplus=True)


def _available(
    allocator: _Allocator,
    starter: _Candidate,
    members: dict[int, list[_Candidate]],
    checkpoints: dict[int, _Checkpoint],
    rules: _Rules,
) -> Allocation:
    """What an idle load would get if it started now (docs/design.md §4.3), and what would limit it.

    Exactly the allocation re-run with it connected: earlier classes do not see it and later
    ones cannot take from it, so only its own class is served again — every load of it, the
    running ones behind it that it would displace included — from the budgets as they were
    when that class began. Call after the results are read: it reuses the candidates.
    """
    stages = _STAGES_OF[starter.mode]
    checkpoints[stages[0]].restore(allocator)
    starter.current, starter.binding = 0.0, None
    starter.held, starter.paid = False, None
    room, which = allocator.room(starter, surplus=starter.mode in _SURPLUS_CLASSES)
    if room + EPS < starter.min_a:  # it would not get its minimum even alone
        starter.binding = which
        return _result(allocator, starter)
    for stage in stages:
        _serve(
            allocator, stage, sorted((*members[stage], starter), key=_order_key), rules
        )
    if starter.current > EPS and starter.mode in _SURPLUS_CLASSES:
        starter.paid = allocator.surplus_share(starter, starter.current)
    return _result(allocator, starter)


def _prepare(
    snapshot: Snapshot,
    base: dict[Phase, float],
    surplus_w: float,
    breaker_room: dict[Phase, float],
    unsteady_w: float,
) -> tuple[_Allocator, list[_Candidate], dict[str, Allocation], dict[str, _Candidate]]:
    """Build the budgets and reduce every load to a candidate, or an idle allocation.

    An idle load that could start (no car, finished, paused) also gets a starter: the candidate
    it would be once started, with a car on every wired line.
    """
    site = snapshot.site
    voltage = _voltage(snapshot)
    budgets: list[_Budget] = []
    phase_budget: dict[Phase, int] = {}
    for phase in site.phases:
        phase_budget[phase] = len(budgets)
        budgets.append(_Budget(breaker_room[phase], Reason.BREAKER, phase))
    import_budget = None
    if site.max_import_w is not None:
        import_budget = len(budgets)
        base_w = sum(base.values()) * voltage
        budgets.append(
            _Budget(
                site.max_import_w - site.import_buffer_w - base_w - unsteady_w,
                Reason.IMPORT_CAP,
            )
        )
    group_budget: dict[tuple[str, Phase], int] = {}
    parents = {group.id: group.parent for group in site.groups}
    for group in site.groups:
        for phase in site.phases:
            group_budget[group.id, phase] = len(budgets)
            budgets.append(_Budget(group.rating_a, Reason.GROUP, group.id))
    charger_budget: dict[tuple[str, Phase], int] = {}
    for physical in site.chargers:
        for phase in site.phases:
            charger_budget[physical.id, phase] = len(budgets)
            budgets.append(_Budget(physical.max_a, Reason.CHARGER, physical.id))
    surplus_index = len(budgets)
    budgets.append(_Budget(surplus_w, Reason.SURPLUS))
    for budget in budgets:
        if not math.isfinite(budget.remaining):
            budget.remaining = (
                0.0 if budget.reason is not Reason.SURPLUS else min(surplus_w, 0.0)
            )
    allocator = _Allocator(budgets, surplus_index)

    def candidate(
        load: Load, mode: Mode, lines: tuple[Phase, ...]
    ) -> _Candidate | None:
        min_a, max_a = _range(load, voltage, len(lines))
        if not lines or not min_a <= max_a:
            return None
        weights = Counter(lines)
        terms = [(phase_budget[p], float(n)) for p, n in weights.items()]
        if import_budget is not None:
            terms.append((import_budget, voltage * len(lines)))
        for chain_id in group_chain(load.group, parents):
            terms.extend(
                (group_budget[chain_id, p], float(n)) for p, n in weights.items()
            )
        charger = load.charger if isinstance(load, Evse) else None
        if charger is not None and (charger, lines[0]) in charger_budget:
            terms.extend(
                (charger_budget[charger, p], float(n)) for p, n in weights.items()
            )
        # The surplus pays for the lines the car will use: those its charger last saw in
        # use, until it draws (the hard limits above count every wired line meanwhile).
        expected = load.control.expected_lines if isinstance(load, Evse) else 0
        watts_per_a = voltage * (min(expected, len(lines)) or len(lines))
        return _Candidate(
            load=load,
            mode=mode,
            min_a=min_a,
            max_a=max_a,
            lines=lines,
            terms=terms,
            all_terms=[*terms, (surplus_index, watts_per_a)],
            watts_per_a=watts_per_a,
            running=_running(load),
        )

    cands: list[_Candidate] = []
    idle: dict[str, Allocation] = {}
    starters: dict[str, _Candidate] = {}
    for load in sorted(snapshot.loads, key=_order_key):
        mode, reason = _mode_of(snapshot, load)
        lines = tuple(p for p in _lines(load) if p in phase_budget)
        cand = candidate(load, mode, lines) if reason is None else None
        if cand is not None:
            cands.append(cand)
            continue
        if reason is None:
            reason = Reason.MODE_OFF if not lines else Reason.AT_MAXIMUM
        idle[load.id] = Allocation(
            current_a=0.0, available_a=0.0, reason=reason, lines=lines
        )
        if reason in _STARTABLE:
            wired = load.wired if reason is not Reason.PAUSED else _lines(load)
            starter = candidate(
                load, mode, tuple(p for p in wired if p in phase_budget)
            )
            if starter is not None:
                starter.running = False
                starters[load.id] = starter
    return allocator, cands, idle, starters


def _order_key(item: Load | _Candidate) -> tuple[int, str]:
    """Priority (1 first), then id; mode urgency orders the classes themselves."""
    load = item.load if isinstance(item, _Candidate) else item
    return load.priority, load.id


def effective_mode(load: Load, site_mode: Mode) -> Mode:
    """The mode a load runs in: its own setting or the site's, as its kind allows."""
    mode = load.mode.resolve(site_mode)
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


def _mode_of(snapshot: Snapshot, load: Load) -> tuple[Mode, Reason | None]:
    """The mode in force and, when the load takes no part, why."""
    mode = effective_mode(load, snapshot.site_mode)
    if mode is Mode.OFF:
        return mode, Reason.MODE_OFF
    if isinstance(load, Evse) and not load.session.takes_part:
        return (
            mode,
            Reason.FINISHED if load.session is Session.FINISHED else Reason.NO_CAR,
        )
    if load.control.resting:
        return mode, Reason.NOT_DRAWING
    if not _running(load) and not load.control.may_start:
        return mode, Reason.PAUSED
    return mode, None


def _running(load: Load) -> bool:
    if isinstance(load, Switched):
        return load.is_on
    return load.control.command_a > 0


def _lines(load: Load) -> tuple[Phase, ...]:
    return load.active_lines() if isinstance(load, Evse) else load.wired


def _range(load: Load, voltage: float, lines: int) -> tuple[float, float]:
    """Minimum and maximum current per line; an on/off load's are both its power."""
    if lines <= 0:
        return 1.0, 0.0  # an empty range: the load cannot run
    if isinstance(load, Evse):
        low, high = load.min_a, load.max_a
        # The car takes no more (never below its minimum).
        if load.control.car_limit_a is not None:
            high = max(min(high, load.control.car_limit_a), low)
    else:
        low = high = load.power_w / (voltage * lines)
    if not (math.isfinite(low) and math.isfinite(high)) or high <= 0:
        return 1.0, 0.0  # an empty range: the load cannot run
    return max(low, EPS), high


def group_chain(group: str | None, parents: dict[str, str | None]) -> list[str]:
    """The group a load hangs on and every group above it (a cycle is cut)."""
    chain: list[str] = []
    while group is not None and group in parents and group not in chain:
        chain.append(group)
        group = parents[group]
    return chain


def _distribute(
    allocator: _Allocator,
    cands: list[_Candidate],
    distribution: Distribution,
    *,
    surplus: bool,
) -> None:
    """Share what the budgets allow among one class of candidates (docs/design.md §4.2)."""
    if distribution in (Distribution.SHARED, Distribution.PRIORITY):
        for cand in cands:
            if cand.current == 0:
                allocator.grant_minimum(cand, surplus=surplus)
        if distribution is Distribution.SHARED:
            allocator.fill_shared(cands, surplus=surplus)
        else:
            for cand in cands:
                if cand.current > 0:
                    allocator.top_up(cand, surplus=surplus)
        return
    optimized = distribution is Distribution.SEQUENTIAL_OPTIMIZED
    placed: list[_Candidate] = []
    spare: dict[
        int, float
    ] = {}  # per budget: what trimming the placed loads could free
    for cand in cands:
        if allocator.fill_sequential(cand, surplus=surplus) or (
            optimized and _trim_for(allocator, cand, placed, spare, surplus=surplus)
        ):
            placed.append(cand)
            for index, use in allocator.terms_of(cand, surplus=surplus):
                spare[index] = spare.get(index, 0.0) + (cand.current - cand.min_a) * use


def _trim_for(
    allocator: _Allocator,
    cand: _Candidate,
    placed: list[_Candidate],
    spare: dict[int, float],
    *,
    surplus: bool,
) -> bool:
    """Trim loads placed before `cand` just enough for it to reach its minimum.

    The lowest in order is trimmed first, never below its own minimum. Nothing is trimmed
    when that could not be enough; `spare` is kept up to date.
    """
    short: dict[int, float] = {}
    for index, use in allocator.terms_of(cand, surplus=surplus):
        gap = cand.min_a * use - allocator.budgets[index].remaining
        if gap > EPS:
            if spare.get(index, 0.0) + EPS < gap:
                return False
            short[index] = gap
    trimmed: list[tuple[_Candidate, float, int | None]] = []
    for other in reversed(placed):
        if not short:
            break
        room = other.current - other.min_a
        if room <= EPS:
            continue
        uses = dict(allocator.terms_of(other, surplus=surplus))
        shared = [index for index in short if index in uses]
        if not shared:
            continue
        cut = min(room, max(short[index] / uses[index] for index in shared))
        allocator.take(other, -cut)
        trimmed.append((other, cut, other.binding))
        other.binding = shared[0]  # what it is trimmed for binds it now
        for index, use in uses.items():
            spare[index] -= cut * use
            if index in short:
                short[index] -= cut * use
                if short[index] <= EPS:
                    del short[index]
    if allocator.grant_minimum(cand, surplus=surplus):
        allocator.top_up(cand, surplus=surplus)
        return True
    for other, cut, binding in trimmed:
        allocator.take(other, cut)
        other.binding = binding
        for index, use in allocator.terms_of(other, surplus=surplus):
            spare[index] += cut * use
    return False


def _hold_minimums(
    allocator: _Allocator, cands: list[_Candidate], *, supported: bool
) -> None:
    """Reserve, within the hard limits, the minimum of running surplus loads that are kept.

    The control keeps a load through its delays and budget; the battery supports one above its
    support SOC. A minimum the surplus does not pay is marked as held.
    """
    for cand in cands:
        if not cand.running or not (cand.load.control.keep_minimum or supported):
            continue
        room, _ = allocator.room(cand, surplus=True)
        paid = room + EPS >= cand.min_a
        if allocator.grant_minimum(cand, surplus=False):
            cand.held = not paid and not supported
            cand.paid = max(room, 0.0) / cand.min_a if cand.min_a > 0 else None


def _keep_within_dead_band(
    allocator: _Allocator, cands: list[_Candidate], band: float
) -> None:
    """Leave a surplus-driven current where it was when the change is inside the dead band.

    Only as long as the hard limits allow the old value.
    """
    for cand in cands:
        previous = cand.load.control.command_a
        if cand.current <= 0 or previous <= 0 or not math.isfinite(previous):
            continue
        if (
            not (cand.min_a <= previous <= cand.max_a)
            or abs(previous - cand.current) >= band
        ):
            continue
        if previous < cand.current or allocator.room(cand, surplus=False)[0] + EPS >= (
            previous - cand.current
        ):
            allocator.take(cand, previous - cand.current)


def _result(allocator: _Allocator, cand: _Candidate) -> Allocation:
    if cand.current <= EPS:
        budget = allocator.budgets[cand.binding] if cand.binding is not None else None
        if budget is None or budget.reason is Reason.SURPLUS:
            paid = allocator.surplus_share(cand, 0.0) if budget else None
            reason = (
                Reason.WAITING_FOR_EXCESS
                if cand.mode is Mode.EXCESS
                else Reason.WAITING_FOR_SURPLUS
            )
            return Allocation(
                current_a=0.0,
                available_a=0.0,
                reason=reason,
                min_a=cand.min_a,
                lines=cand.lines,
                paid_share=paid,
            )
        return Allocation(
            current_a=0.0,
            available_a=0.0,
            reason=budget.reason,
            detail=budget.detail,
            min_a=cand.min_a,
            lines=cand.lines,
        )
    current = min(max(cand.current, cand.min_a), cand.max_a)
    if cand.held:
        reason, detail = Reason.HOLDING_MINIMUM, ""
    elif cand.binding is None or current >= cand.max_a - EPS:
        limited = isinstance(cand.load, Evse) and cand.max_a < cand.load.max_a - EPS
        reason, detail = (Reason.CAR_LIMIT if limited else Reason.AT_MAXIMUM), ""
    else:
        budget = allocator.budgets[cand.binding]
        reason, detail = budget.reason, budget.detail
        if reason is Reason.SURPLUS and cand.mode is Mode.EXCESS:
            reason = Reason.EXCESS
    return Allocation(
        current_a=current,
        available_a=current,
        reason=reason,
        detail=detail,
        min_a=cand.min_a,
        lines=cand.lines,
        held=cand.held,
        paid_share=cand.paid,
        hard_room_a=min(allocator.room(cand, surplus=False)[0], cand.max_a - current),
    )


def _safe_plan(snapshot: Snapshot) -> Plan:
    """The plan while the grid meter is stale (docs/design.md §4.3).

    Chargers that draw keep at most their failsafe current, nothing starts, surplus switched
    loads turn off, continuous ones keep their state.
    """
    voltage = _voltage(snapshot)
    allocations: dict[str, Allocation] = {}
    for load in snapshot.loads:
        mode = effective_mode(load, snapshot.site_mode)
        current = 0.0
        if isinstance(load, Evse):
            lines = load.active_lines()
            low, high = _range(load, voltage, len(lines))
            failsafe = min(load.failsafe_a, high)
            drawing = load.session.takes_part and load.control.command_a > 0
            if drawing and mode is not Mode.OFF and failsafe >= low:
                current = min(load.control.command_a, failsafe)
        else:
            lines = load.wired
            if mode is Mode.STANDARD and load.is_on and lines:
                low, high = _range(load, voltage, len(lines))
                current = high if low <= high else 0.0
        allocations[load.id] = Allocation(
            current_a=current,
            available_a=current,
            reason=Reason.METER_STALE,
            lines=lines,
        )
    managed = sum(a.current_a * len(a.lines) for a in allocations.values()) * voltage
    return Plan(
        allocations=allocations,
        base_a={},
        headroom_a={},
        surplus_w=0.0,
        managed_w=managed,
        safe_state=True,
    )

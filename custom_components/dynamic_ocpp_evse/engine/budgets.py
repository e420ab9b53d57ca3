"""The budgets of one allocation run and the candidates that use them (docs/design.md §4).

Every limit is a linear budget: a remaining capacity and, per load, how much of it one amp per
line uses. A *candidate* is a load that takes part, reduced to what it asks (fixed for the
cycle); its `terms` name the hard budgets it uses, `all_terms` those and the surplus. What it got
in one run is its *grant*, kept by the run's allocator (`allocator.py`): *binding* is the
budget that stopped it below its maximum; *held* marks a minimum kept from the grid.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import Enum
import math

from .facts import current_range, group_chain, running
from .model import Evse, Load, Mode, Phase, Reason, Site


class Pool(Enum):
    """Which budgets a filling draws on: the hard limits alone, or those and the surplus.

    Standard loads and the grid's share of kept minimums draw on the hard limits only (what
    they use of the surplus is still paid from it); surplus-driven loads on the surplus too.
    """

    HARD = "hard"
    WITH_SURPLUS = "with_surplus"


@dataclass(slots=True)
class Budget:
    """One limit: what is left of it, and how an allocation it stops is explained."""

    remaining: float
    reason: Reason
    detail: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Candidate:
    """A load that takes part this cycle: what it asks of the allocation, fixed for the cycle."""

    load: Load
    mode: Mode
    min_a: float
    max_a: float
    lines: tuple[Phase, ...]
    terms: tuple[
        tuple[int, float], ...
    ]  # (budget index, use per amp), hard budgets only
    all_terms: tuple[tuple[int, float], ...]  # the same and the surplus
    watts_per_a: float
    running: bool


@dataclass(slots=True)
class Grant:
    """What a candidate got in one allocation run."""

    current: float = 0.0
    binding: int | None = None  # the budget that stopped it below its maximum
    held: bool = False  # a minimum kept from the grid
    paid: float | None = None  # the share of its kept minimum the surplus could pay


@dataclass(frozen=True, slots=True)
class SiteBudgets:
    """The site's limits as budgets, and where each sits among them.

    Per phase: the breaker's room, each circuit group's rating, each shared charger's maximum;
    over all phases: the import cap (in W) and the surplus (in W, not a hard limit).
    """

    budgets: list[Budget]
    surplus: int  # index of the surplus budget
    voltage: float
    phase: dict[Phase, int]
    import_cap: int | None
    group: dict[tuple[str, Phase], int]
    charger: dict[tuple[str, Phase], int]
    parents: dict[str, str | None]

    @classmethod
    def build(
        cls,
        site: Site,
        *,
        voltage: float,
        breaker_room: dict[Phase, float],
        import_room_w: float | None,
        surplus_w: float,
    ) -> SiteBudgets:
        """Every budget of the site; one that is not a finite number has no room."""
        budgets: list[Budget] = []

        def add(budget: Budget) -> int:
            budgets.append(budget)
            return len(budgets) - 1

        phase = {
            p: add(Budget(breaker_room[p], Reason.BREAKER, p)) for p in site.phases
        }
        import_cap = (
            None
            if import_room_w is None
            else add(Budget(import_room_w, Reason.IMPORT_CAP))
        )
        group = {
            (g.id, p): add(Budget(g.rating_a, Reason.GROUP, g.id))
            for g in site.groups
            for p in site.phases
        }
        charger = {
            (c.id, p): add(Budget(c.max_a, Reason.CHARGER, c.id))
            for c in site.chargers
            for p in site.phases
        }
        surplus = add(Budget(surplus_w, Reason.SURPLUS))
        for budget in budgets:
            if not math.isfinite(budget.remaining):
                budget.remaining = (
                    0.0 if budget.reason is not Reason.SURPLUS else min(surplus_w, 0.0)
                )
        return cls(
            budgets=budgets,
            surplus=surplus,
            voltage=voltage,
            phase=phase,
            import_cap=import_cap,
            group=group,
            charger=charger,
            parents={g.id: g.parent for g in site.groups},
        )

    def reserve(self, load: Evse) -> None:
        """Keep what a connector we cannot reach may still draw off its groups and charger.

        On every wired line; the breaker and the import cap see it in the house load already.
        """
        for p in self.usable(load.wired):
            keys = [self.group[g, p] for g in group_chain(load.group, self.parents)]
            if load.charger is not None and (load.charger, p) in self.charger:
                keys.append(self.charger[load.charger, p])
            for key in keys:
                self.budgets[key].remaining -= load.holds_a

    def usable(self, lines: tuple[Phase, ...]) -> tuple[Phase, ...]:
        """The lines the site has (a load wired to a phase it lacks cannot use that one)."""
        return tuple(p for p in lines if p in self.phase)

    def candidate(
        self, load: Load, mode: Mode, lines: tuple[Phase, ...]
    ) -> Candidate | None:
        """The load as a candidate on these lines; None when it cannot run on them."""
        span = current_range(load, self.voltage, len(lines))
        if not lines or span is None:
            return None
        min_a, max_a = span
        weights = Counter(lines)
        terms = [(self.phase[p], float(n)) for p, n in weights.items()]
        if self.import_cap is not None:
            terms.append((self.import_cap, self.voltage * len(lines)))
        for chain_id in group_chain(load.group, self.parents):
            terms.extend(
                (self.group[chain_id, p], float(n)) for p, n in weights.items()
            )
        charger = load.charger if isinstance(load, Evse) else None
        if charger is not None and (charger, lines[0]) in self.charger:
            terms.extend(
                (self.charger[charger, p], float(n)) for p, n in weights.items()
            )
        # The surplus pays for the lines the car will use: those its charger last saw in
        # use, until it draws (the hard limits above count every wired line meanwhile).
        expected = load.control.expected_lines if isinstance(load, Evse) else 0
        watts_per_a = self.voltage * (min(expected, len(lines)) or len(lines))
        return Candidate(
            load=load,
            mode=mode,
            min_a=min_a,
            max_a=max_a,
            lines=lines,
            terms=tuple(terms),
            all_terms=(*terms, (self.surplus, watts_per_a)),
            watts_per_a=watts_per_a,
            running=running(load),
        )

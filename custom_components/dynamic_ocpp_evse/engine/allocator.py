"""One allocation run: what is left of every budget, what each candidate got, how to fill.

The ways of filling: a minimum, a top-up, one load after another, and progressive filling
(running loads rise together, amp for amp). A run can be forked to try something (an idle load
started now) without touching it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
import heapq
import math

from .budgets import Budget, Candidate, Grant, Pool
from .facts import EPS


@dataclass(slots=True)
class Allocator:
    """One allocation run: what is left of every budget, and what each candidate got."""

    budgets: list[Budget]
    surplus: int  # index of the surplus budget (not a hard limit)
    got: dict[Candidate, Grant] = field(default_factory=dict)

    def enter(self, cand: Candidate, current: float = 0.0) -> Grant:
        """Let a candidate take part in this run, with `current` already granted."""
        grant = self.got[cand] = Grant(current)
        return grant

    def fork(self, cands: Iterable[Candidate]) -> Allocator:
        """This run as it stands, for the given candidates, to try something on.

        This run is left as it is.
        """
        got, copied = self.got, {}
        for cand in cands:
            grant = got[cand]
            copied[cand] = Grant(grant.current, grant.binding, grant.held, grant.paid)
        return Allocator(
            [Budget(b.remaining, b.reason, b.detail) for b in self.budgets],
            self.surplus,
            copied,
        )

    def reset_to(self, mark: Allocator) -> None:
        """Become the run `mark` again, in place (a scratch run tried on once more).

        Only the candidates of `mark` are reset; one entered since must be left first.
        """
        for budget, marked in zip(self.budgets, mark.budgets, strict=True):
            budget.remaining = marked.remaining
        got = self.got
        for cand, kept in mark.got.items():
            grant = got[cand]
            grant.current, grant.binding = kept.current, kept.binding
            grant.held, grant.paid = kept.held, kept.paid

    def room(self, cand: Candidate, *, pool: Pool) -> tuple[float, int | None]:
        """How many more amps per line the candidate may take, and what limits it."""
        best, which = math.inf, None
        for index, use in self.terms_of(cand, pool=pool):
            amps = self.budgets[index].remaining / use
            if amps < best:
                best, which = amps, index
        return max(best, 0.0), which

    def take(self, cand: Candidate, amps: float) -> None:
        """Give the candidate `amps` more (negative gives back); every budget it uses pays."""
        self.got[cand].current += amps
        for index, use in cand.all_terms:
            self.budgets[index].remaining -= amps * use

    @staticmethod
    def terms_of(cand: Candidate, *, pool: Pool) -> tuple[tuple[int, float], ...]:
        """The budgets a candidate uses from the pool: the hard ones, and the surplus."""
        return cand.all_terms if pool is Pool.WITH_SURPLUS else cand.terms

    def surplus_share(self, cand: Candidate, taken: float) -> float | None:
        """The share of its minimum the surplus left, and the `taken` amps, could pay."""
        if cand.min_a <= 0:
            return None
        left = max(self.budgets[self.surplus].remaining, 0.0) / cand.watts_per_a
        return (left + taken) / cand.min_a

    def grant_minimum(self, cand: Candidate, *, pool: Pool) -> bool:
        """Give a stopped candidate its minimum if every budget allows it."""
        room, which = self.room(cand, pool=pool)
        if room + EPS >= cand.min_a:
            self.take(cand, cand.min_a)
            return True
        if pool is Pool.WITH_SURPLUS:  # name a hard limit when it alone rules it out
            hard_room, hard_which = self.room(cand, pool=Pool.HARD)
            if hard_room + EPS < cand.min_a:
                which = hard_which
        self.got[cand].binding = which
        return False

    def top_up(self, cand: Candidate, *, pool: Pool) -> None:
        """Raise a running candidate as far as its maximum and the budgets allow."""
        grant = self.got[cand]
        room, which = self.room(cand, pool=pool)
        wanted = cand.max_a - grant.current
        if room + EPS < wanted:
            grant.binding = which
            wanted = room
        if wanted > 0:
            self.take(cand, wanted)

    def fill_sequential(self, cand: Candidate, *, pool: Pool) -> bool:
        """Fill one candidate to as much as it can get; below its minimum it gets nothing."""
        if self.got[cand].current == 0 and not self.grant_minimum(cand, pool=pool):
            return False
        self.top_up(cand, pool=pool)
        return True

    def fill_shared(self, cands: Sequence[Candidate], *, pool: Pool) -> None:
        """Progressive filling: running candidates rise together, amp for amp.

        Each rises until it reaches its maximum or a budget it uses runs out; every budget a
        candidate uses pays for its rise.
        """
        got = self.got
        rising = [c for c in cands if 0 < got[c].current < c.max_a - EPS]
        if not rising:
            return
        base = {c: got[c].current for c in rising}
        stops = _RisingLevel(self, rising, pool=pool).stops()
        for cand, (level, binding) in stops.items():
            grant = got[cand]
            grant.current = min(base[cand] + level, cand.max_a)
            grant.binding = binding
            # What limits the filling is paid while rising; what the candidate also uses
            # (the surplus, when it did not limit it) pays for the rise now.
            limiting = set(self.terms_of(cand, pool=pool))
            for index, use in cand.all_terms:
                if (index, use) not in limiting:
                    self.budgets[index].remaining -= (grant.current - base[cand]) * use


class _RisingLevel:
    """The water level of a progressive filling: amps added to every rising candidate so far.

    Each budget is charged lazily, at the rate of the candidates still rising on it; a
    candidate stops (freezes) at its own ceiling or when a budget it uses runs dry.
    """

    def __init__(
        self, allocator: Allocator, rising: list[Candidate], *, pool: Pool
    ) -> None:
        self.budgets = allocator.budgets
        self.pool = pool
        self.level = 0.0
        self.active = set(rising)
        self.members: dict[int, list[Candidate]] = {}
        self.rate: dict[int, float] = {}  # per budget: use per amp of level
        for cand in rising:
            for index, use in Allocator.terms_of(cand, pool=pool):
                self.members.setdefault(index, []).append(cand)
                self.rate[index] = self.rate.get(index, 0.0) + use
        self.spent = dict.fromkeys(self.rate, 0.0)  # level at which each was settled
        current = {c: allocator.got[c].current for c in rising}
        self.ceilings = [(c.max_a - current[c], n, c) for n, c in enumerate(rising)]
        heapq.heapify(self.ceilings)
        self.stopped: dict[Candidate, tuple[float, int | None]] = {}

    def stops(self) -> dict[Candidate, tuple[float, int | None]]:
        """Raise the level until every candidate stops: its level and what stopped it."""
        while self.active:
            ceilings = self.ceilings
            while ceilings and ceilings[0][2] not in self.active:
                heapq.heappop(ceilings)
            step = ceilings[0][0] - self.level if ceilings else math.inf
            binding: int | None = None
            for index, use_rate in self.rate.items():
                if use_rate > EPS:
                    left = self.budgets[index].remaining - use_rate * (
                        self.level - self.spent[index]
                    )
                    if left / use_rate < step:
                        step, binding = left / use_rate, index
            self.level += max(step, 0.0)
            if binding is None:
                self._freeze(heapq.heappop(ceilings)[2], None)
                continue
            for cand in self.members[binding]:
                if cand in self.active:
                    self._freeze(cand, binding)
        return self.stopped

    def _settle(self, index: int) -> None:
        self.budgets[index].remaining -= self.rate[index] * (
            self.level - self.spent[index]
        )
        self.spent[index] = self.level

    def _freeze(self, cand: Candidate, binding: int | None) -> None:
        self.active.discard(cand)
        self.stopped[cand] = (self.level, binding)
        for index, use in Allocator.terms_of(cand, pool=self.pool):
            self._settle(index)
            self.rate[index] -= use

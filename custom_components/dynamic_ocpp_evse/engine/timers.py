"""The control's timers on energy (docs/design.md §5).

The enable timer runs while the surplus pays a start on balance, the disable timer counts the
grid's share of a kept minimum.
"""

from __future__ import annotations

from .model import Allocation


def lasted(since: float | None, now: float, delay: float) -> bool:
    """Whether a timer begun `since` (None: not running) has run `delay`."""
    return since is not None and now - since >= delay


def since_or(since: float | None, now: float) -> float:
    """A timer's start: when it began, or now if it was not running."""
    return since if since is not None else now


def surplus_credit(
    since: float | None,
    balance: float,
    allocation: Allocation,
    *,
    now: float,
    elapsed: float,
    delay: float,
) -> tuple[float | None, float]:
    """The enable timer: since when the surplus has paid the minimum, on balance.

    The balance is the surplus above the minimum less the shortfall below it, in seconds of
    the minimum: a sunny spell that pays more than the minimum carries the load through a
    shadow after it, and the timer starts over only once the shadows took more than the
    spells gave — so the mean surplus since the timer began pays the minimum. At most the
    delay's worth is kept. Where the share is not judged, the timer runs while the load could
    start and starts over when it cannot.
    """
    share = allocation.paid_share
    if share is None:
        if allocation.available_a > 0:
            return since_or(since, now), balance
        return None, 0.0
    balance += (share - 1.0) * elapsed
    if balance < 0 or (since is None and share < 1.0):
        return None, 0.0
    return since_or(since, now), min(balance, delay)


def shortfall(
    since: float | None, now: float, elapsed: float, allocation: Allocation
) -> float | None:
    """The disable timer: how many seconds of its minimum the grid paid, as a start time.

    Where the share the surplus paid is known it runs at (1 - share): slower while a thin
    cloud leaves part of it paid, back while a sunny spell pays more than the minimum — so
    passing clouds and sunny spells offset each other by their energy. Otherwise it runs while
    the minimum is held and stops when it is not.
    """
    share = allocation.paid_share
    if share is None or since is None:
        return since_or(since, now) if allocation.held else None
    if not allocation.held:
        share = max(share, 1.0)  # paid, or carried by the battery
    since += share * elapsed
    return None if since >= now else since

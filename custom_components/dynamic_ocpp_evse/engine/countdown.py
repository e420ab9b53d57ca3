"""How long until a load's state changes by itself, as its status says (if nothing else does).

A pause ends, a start comes once the enable delay has run with the surplus holding, a minimum
held from the grid ends when the disable delay has counted the grid's share (at the share paid
now) or a compressor's minimum on time is over.
"""

from __future__ import annotations

from .model import Allocation, Load, Reason, Switched
from .state import ControlParams, LoadState


def seconds_left(
    load: Load,
    state: LoadState,
    allocation: Allocation,
    *,
    now: float,
    params: ControlParams,
) -> float | None:
    """Seconds until the load starts, stops or resumes by its timers (None: none runs)."""
    min_on_s = load.min_on_s if isinstance(load, Switched) else 0.0
    min_off_s = load.min_off_s if isinstance(load, Switched) else 0.0
    match allocation.reason:
        case Reason.PAUSED:
            left = max(
                _left(state.stopped_at, params.min_pause_s, now),
                _left(state.switched_off_at, min_off_s, now),
            )
        case Reason.WAITING_FOR_SURPLUS | Reason.WAITING_FOR_EXCESS:
            left = _left(state.enough_since, params.enable_delay_s, now)
        case Reason.HOLDING_MINIMUM:
            left = _left(state.switched_on_at, min_on_s, now)
            if left <= 0 and state.missing_since is not None:
                grid_share = 1.0 - (allocation.paid_share or 0.0)
                counted = _left(state.missing_since, params.disable_delay_s, now)
                left = counted / grid_share if grid_share > 0 else 0.0
        case _:
            left = 0.0
    return left if left > 0 else None


def _left(since: float | None, duration: float, now: float) -> float:
    return duration - (now - since) if since is not None else 0.0

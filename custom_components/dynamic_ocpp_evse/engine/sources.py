"""Where each running load's power comes from this cycle: the sun, the battery, the grid.

The site's figures decide the split: the export without loads (what the sun, and a battery
above its target, would send out) pays first, then what the battery discharges, then the grid.
It pays the loads that exist for it first — Solar and Excess loads, unless a minimum is held from
the grid — then the others by priority, as the allocation serves them.
"""

from __future__ import annotations

from enum import StrEnum
import math

from .facts import mode_of, order_key
from .house import voltage_of
from .model import SURPLUS_MODES, Load, Plan, Snapshot

SHARE = 0.05  # a source paying less than this of a load's power is not named


class Source(StrEnum):
    """What pays a running load, as the status names it."""

    SUN = "sun"
    BATTERY = "battery"
    GRID = "grid"
    SUN_AND_BATTERY = "sun_and_battery"
    SUN_AND_GRID = "sun_and_grid"
    BATTERY_AND_GRID = "battery_and_grid"
    ALL = "sun_battery_and_grid"


_NAMED = {
    (True, False, False): Source.SUN,
    (False, True, False): Source.BATTERY,
    (False, False, True): Source.GRID,
    (True, True, False): Source.SUN_AND_BATTERY,
    (True, False, True): Source.SUN_AND_GRID,
    (False, True, True): Source.BATTERY_AND_GRID,
    (True, True, True): Source.ALL,
}


def sources(snapshot: Snapshot, plan: Plan) -> dict[str, Source]:
    """The source of each load that draws by this cycle's plan; none in the safe state."""
    if plan.safe_state:
        return {}
    voltage = voltage_of(snapshot)
    battery = snapshot.battery
    discharge = battery.power_w if battery is not None else None
    pools = [
        max(plan.surplus_w, 0.0),
        discharge
        if discharge is not None and math.isfinite(discharge) and discharge > 0
        else 0.0,
    ]
    running = [
        load
        for load in snapshot.loads
        if (allocation := plan.allocations.get(load.id)) and allocation.current_a > 0
    ]
    running.sort(
        key=lambda load: (not _on_surplus(snapshot, plan, load), order_key(load))
    )
    found: dict[str, Source] = {}
    for load in running:
        allocation = plan.allocations[load.id]
        watts = allocation.current_a * len(allocation.lines) * voltage
        paid: list[float] = []
        for index, pool in enumerate(pools):
            # A minimum held from the grid is not paid by the sun, whatever is left of it.
            taken = 0.0 if allocation.held and index == 0 else min(pool, watts)
            pools[index] -= taken
            watts -= taken
            paid.append(taken)
        sun, stored, grid = (*paid, watts)
        total = sun + stored + grid
        named = (
            total > 0 and sun / total >= SHARE,
            total > 0 and stored / total >= SHARE,
            total <= 0 or grid / total >= SHARE,
        )
        found[load.id] = _NAMED.get(named, Source.GRID)
    return found


def _on_surplus(snapshot: Snapshot, plan: Plan, load: Load) -> bool:
    """A Solar or Excess load not holding a minimum from the grid: what the surplus is for."""
    surplus_mode = mode_of(snapshot, load)[0] in SURPLUS_MODES
    return surplus_mode and not plan.allocations[load.id].held

"""The physical upper bound: perfect foresight, solved as a linear program (HiGHS via scipy).

Over the whole day, in 1-minute buckets, it chooses every car's and plug's power and the
battery's charge and discharge to export as little solar as possible, with the same loads,
energy needs, arrival and departure times and battery. It is relaxed (no 6 A minimum, no
switching), so no controller can beat it: it bounds solar self-consumption from above.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from .day import Day
from .run import Inputs

BUCKET_S = 60.0


def optimal_self_consumption(day: Day, inputs: Inputs) -> float:
    """The highest solar self-consumption any controller could reach on this day."""
    per_bucket = int(BUCKET_S // day.step_s)
    buckets = len(inputs.pv_w) // per_bucket
    pv = inputs.pv_w[: buckets * per_bucket].reshape(buckets, per_bucket).mean(axis=1)
    house_fine = inputs.house_w.sum(axis=0)[: buckets * per_bucket]
    house = house_fine.reshape(buckets, per_bucket).mean(axis=1)
    # Solar above the house, moment by moment: what the battery could take within a bucket.
    spare = np.clip(inputs.pv_w[: buckets * per_bucket] - house_fine, 0.0, None)
    spare = spare.reshape(buckets, per_bucket).mean(axis=1)
    hours = BUCKET_S / 3600.0
    mid = (
        day.start_h + (np.arange(buckets) + 0.5) * BUCKET_S / 3600.0
    )  # bucket mid-points (h)

    # (max W, when it is available, energy it needs in kWh)
    flexible: list[tuple[float, npt.NDArray[np.bool_], float]] = []
    for car in day.cars:
        charger = next(c for c in day.chargers if c.id == car.charger)
        lines = len(charger.wired[: car.phases])
        max_w = min(car.max_a, charger.max_a) * day.voltage * lines
        flexible.append(
            (max_w, (mid >= car.arrive_h) & (mid < car.leave_h), car.need_kwh)
        )
    flexible.extend(
        (
            plug.power_w,
            np.ones(buckets, dtype=bool),
            plug.most_kwh(day.hours),
        )
        for plug in day.plugs
    )

    # Variables per bucket: each flexible load's power (W), battery charge and discharge (W),
    # export (W) and the battery's energy after the bucket (kWh).
    loads = len(flexible)
    charge, discharge, export, stored = loads, loads + 1, loads + 2, loads + 3
    width = loads + 4
    n = width * buckets

    def var(k: int, j: int) -> int:
        return k * width + j

    battery_w = day.battery_kw * 1000 if day.battery_kwh > 0 else 0.0
    capacity = max(day.battery_kwh, 0.0)
    bounds: list[tuple[float, float | None]] = []
    for k in range(buckets):
        bounds += [(0.0, max_w if mask[k] else 0.0) for max_w, mask, _ in flexible]
        bounds += [
            (0.0, battery_w),
            (0.0, battery_w),
            (0.0, None),
            (capacity * 0.1, capacity),
        ]
    upper: list[tuple[dict[int, float], float]] = []
    equal: list[tuple[dict[int, float], float]] = []
    start = capacity * day.battery_soc / 100
    for k in range(buckets):
        # export >= pv - house - loads - charge + discharge
        row = {var(k, j): -1.0 for j in range(loads)}
        row |= {var(k, charge): -1.0, var(k, discharge): 1.0, var(k, export): -1.0}
        upper.append((row, house[k] - pv[k]))
        # Only solar may charge the battery.
        upper.append(({var(k, charge): 1.0}, spare[k]))
        # stored[k] = stored[k-1] + (charge - discharge) x hours
        balance = {
            var(k, stored): 1.0,
            var(k, charge): -hours / 1000,
            var(k, discharge): hours / 1000,
        }
        if k:
            balance[var(k - 1, stored)] = -1.0
        equal.append((balance, start if k == 0 else 0.0))
    for j, (_max_w, _mask, need) in enumerate(flexible):
        upper.append(({var(k, j): hours / 1000 for k in range(buckets)}, need))
    if capacity <= 0:  # no battery: its energy is pinned at 0
        bounds = [
            (0.0, 0.0) if i % width == stored else b for i, b in enumerate(bounds)
        ]
        equal = []

    def matrix(
        rows: list[tuple[dict[int, float], float]],
    ) -> tuple[Any, npt.NDArray[np.float64]]:
        m = lil_matrix((len(rows), n))
        b = np.zeros(len(rows))
        for r, (row, bound) in enumerate(rows):
            for column, value in row.items():
                m[r, column] = value
            b[r] = bound
        return m.tocsr(), b

    a_ub, b_ub = matrix(upper)
    a_eq, b_eq = matrix(equal) if equal else (None, None)
    # Export as little as possible; among equal exports, deliver more.
    cost = np.zeros(n)
    for k in range(buckets):
        cost[var(k, export)] = 1.0
        for j in range(loads):
            cost[var(k, j)] = -1e-3
    result = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
    )
    if not result.success:
        raise RuntimeError(f"the LP failed: {result.message}")
    exported = float(
        sum(result.x[var(k, export)] for k in range(buckets)) * hours / 1000
    )
    produced = float(pv.sum() * hours / 1000)
    return 1 - exported / produced if produced > 0 else 1.0

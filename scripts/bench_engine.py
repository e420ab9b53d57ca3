"""Micro-benchmark of one control cycle (allocate + control) for 1 to 1000 loads.

Run with `scripts/bench`. Prints the median and 95th percentile time per cycle; figures are
reported, never asserted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
import random
import statistics
import time

from custom_components.dynamic_ocpp_evse.engine.allocate import allocate
from custom_components.dynamic_ocpp_evse.engine.cycle import run_cycle
from custom_components.dynamic_ocpp_evse.engine.meter import MeterState
from custom_components.dynamic_ocpp_evse.engine.model import (
    CircuitGroup,
    Distribution,
    Evse,
    Load,
    ModeSetting,
    Phase,
    Session,
    Site,
    Snapshot,
    Switched,
)
from custom_components.dynamic_ocpp_evse.engine.state import LoadState

MODES = [
    ModeSetting.STANDARD,
    ModeSetting.ECO,
    ModeSetting.SOLAR,
    ModeSetting.FOLLOW_SITE,
]


def build(
    count: int, distribution: Distribution, idle_share: float, seed: int
) -> Snapshot:
    """A 3-phase site sized for `count` loads: chargers in every mode, plugs, groups, idle ones."""
    rng = random.Random(seed)
    groups = tuple(
        CircuitGroup(id=f"g{i}", rating_a=8.0 * 10) for i in range(max(count // 10, 1))
    )
    loads: list[Load] = []
    for index in range(count):
        group = groups[index // 10].id if count >= 10 else None
        wired = (
            (Phase.A, Phase.B, Phase.C)
            if rng.random() < 0.7
            else (rng.choice(list(Phase)),)
        )
        mode = rng.choice(MODES)
        if rng.random() < 0.15:
            loads.append(
                Switched(
                    id=f"plug{index}",
                    wired=wired[:1],
                    power_w=2000,
                    mode=mode,
                    group=group,
                )
            )
            continue
        session = Session.NO_CAR if rng.random() < idle_share else Session.CHARGING
        loads.append(
            Evse(
                id=f"evse{index}",
                wired=wired,
                min_a=6,
                max_a=rng.choice([16.0, 32.0]),
                session=session,
                mode=mode,
                priority=rng.randint(1, 5),
                group=group,
            )
        )
    return Snapshot(
        site=Site(breaker_a=max(25.0, 6.0 * count), max_import_w=4000.0 * count),
        grid_a=dict.fromkeys(Phase, 0.0),
        loads=tuple(loads),
        distribution=distribution,
    )


def measure(run: Callable[[int], object], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    times: list[float] = []
    for index in range(repeat):
        started = time.perf_counter()
        run(index)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--idle", type=float, default=0.2, help="share of chargers without a car"
    )
    args = parser.parse_args()
    print(
        f"one cycle = allocate + control for every load; {args.idle:.0%} of chargers idle"
    )
    print(
        f"{'loads':>6} {'distribution':>22} {'allocate ms':>12} {'cycle ms':>10} {'p95 ms':>8}"
    )
    for count in (1, 10, 100, 1000):
        for distribution in Distribution:
            snapshot = build(count, distribution, args.idle, seed=count)
            repeat = 200 if count <= 100 else 20

            def readings(index: int, snapshot: Snapshot = snapshot) -> Snapshot:
                swing = float(index % 7) - 3.0  # the house load moves between cycles
                return replace(
                    snapshot, grid_a={p: swing * (1 + i) for i, p in enumerate(Phase)}
                )

            states: dict[str, LoadState] = {}
            meter = MeterState()

            def cycle(index: int) -> None:
                nonlocal states, meter
                result = run_cycle(
                    readings(index), states, now=5.0 * index, meter=meter
                )
                states, meter = dict(result.states), result.meter

            alloc_ms, _ = measure(lambda index: allocate(readings(index)), repeat)
            cycle_ms, p95 = measure(cycle, repeat)
            print(
                f"{count:>6} {distribution.value:>22} {alloc_ms:>12.3f} {cycle_ms:>10.3f} {p95:>8.3f}"
            )


if __name__ == "__main__":
    main()

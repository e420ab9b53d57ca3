"""Hundreds of generated homes run in closed loop around midday, with a load step mid-charge.

The safety and steadiness of our controller over every kind of site, sky and breaker. Homes are
reproducible from (seed, index): tune on one seed, report on others.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
import json
import os
from pathlib import Path
import random
from typing import Any

import numpy as np

from custom_components.dynamic_ocpp_evse.engine.model import Distribution, Mode

from . import profiles
from .controllers import Ours
from .day import day_from_dict
from .metrics import metrics
from .run import simulate

WINDOW_H = 1.5  # simulated per home
SETTLED_STEPS = 6  # the last 30 s
STEP_AT_H = 12.5  # the kettle or oven comes on


SKIES = (*profiles.SKIES, "mixed")
BREAKERS = ("mcb_b", "mcb_b", "mcb_b", "mcb_c", "fuse_gg")  # B-curve most common


def home(index: int, seed: int = 0) -> dict[str, Any]:
    """A random but reproducible home."""
    rng = random.Random(f"{seed}/{index}" if seed else index)
    three_phase = rng.random() < 0.75
    phases = "ABC" if three_phase else "A"
    breaker = rng.choice([16, 20, 25, 32, 40] if three_phase else [25, 32, 40, 50])
    loaded = rng.choice(phases)
    share = (
        [1.0]
        if not three_phase
        else [0.6, 0.2, 0.2]
        if loaded == "A"
        else [0.2, 0.6, 0.2]
    )
    chargers, cars = [], []
    for n in range(rng.choice([1, 1, 2])):
        car_phases = rng.choice([1, 3]) if three_phase else 1
        wired = "ABC" if three_phase else "A"
        if three_phase and car_phases == 1 and rng.random() < 0.5:
            wired = {"A": "ABC", "B": "BCA", "C": "CAB"}[
                loaded
            ]  # a 1-phase car on the loaded phase
        chargers.append(
            {"id": f"c{n}", "wired": wired, "min_a": 6, "max_a": rng.choice([16, 32])}
        )
        cars.append(
            {
                "id": f"car{n}",
                "charger": f"c{n}",
                "arrive_h": 11.0,
                "leave_h": 14.0,
                "need_kwh": 60,
                "phases": car_phases,
                "max_a": 32,
            }
        )
    battery = rng.random() < 0.4
    return {
        "name": f"home{index:04d}",
        "phases": phases,
        "breaker_a": breaker,
        "breaker_type": rng.choice(BREAKERS),
        "max_import_w": rng.choice([None, None, 5000, 8000]),
        # No more PV than the connection can export (grid codes cap inverters this way).
        "pv_kwp": min(
            rng.choice([0, 3, 6, 10, 15]), 0.8 * breaker * 230 * len(phases) / 1000
        ),
        "sky": rng.choice(SKIES),
        "solar_sensor": rng.random() < 0.7,
        "house_kwh_year": rng.choice([2000, 3500, 6000]),
        "house_phase_share": share,
        "battery_kwh": 10 if battery else 0,
        "battery_kw": 5 if battery else 0,
        "battery_soc": rng.choice([20, 60, 95]),
        "mode": rng.choice(list(Mode)).value,
        "distribution": rng.choice(list(Distribution)).value,
        "chargers": chargers,
        "cars": cars,
        "spikes": [
            {
                "phase": loaded,
                "start_h": STEP_AT_H,
                "minutes": 20,
                "power_w": rng.choice([2200, 3000]),
            }
        ],
        "start_h": 11.5,
        "hours": WINDOW_H,
        "seed": index + 100_000 * seed,
    }


def run_home(index: int, seed: int = 0) -> dict[str, Any]:
    """One home's figures: peaks against its limits, reaction to the step, steadiness."""
    day = day_from_dict(home(index, seed))
    trace = simulate(day, Ours)
    figures = metrics(trace)
    peak = np.abs(trace.grid_a).max(axis=1)
    managed_peak = np.minimum(trace.grid_a - day.breaker_a, trace.managed_a).max(
        initial=0
    )
    return {
        "home": day.name,
        "phases": "".join(p.value for p in day.phases),
        "breaker_a": day.breaker_a,
        "peak_a": [float(p) for p in peak],
        "sky": day.sky,
        "breaker_type": day.breaker_type.value,
        "solar_sensor": day.solar_sensor,
        "over_limit_by_managed_As": figures["safety"]["phase_over_limit_As"],
        "would_trip": figures["safety"]["would_trip"],
        "breaker_heat_peak": figures["safety"]["breaker_heat_peak"],
        "longest_import_cap_excess_s": figures["safety"]["longest_import_cap_excess_s"],
        "managed_over_peak_A": float(max(managed_peak, 0.0)),
        "import_cap_over_Ws": figures["safety"]["import_cap_over_Ws"],
        "longest_overload_s": figures["safety"]["longest_overload_s"],
        "reaction_s": figures["safety"]["reaction_s"],
        # What is left at the end of the window, once the step has been dealt with.
        "final_over_A": float(
            max(
                np.minimum(
                    trace.grid_a[:, -SETTLED_STEPS:] - day.breaker_a,
                    trace.managed_a[:, -SETTLED_STEPS:],
                ).max(),
                0.0,
            )
        ),
        "reversals_per_hour": figures["stability"]["setpoint_reversals_per_hour"],
        "writes_per_charging_hour": figures["stability"]["writes_per_charging_hour"],
        "car_stops_per_session": figures["stability"]["car_stops_per_session"],
        "mode": day.mode.value,
        "ev_kwh": figures["energy"]["ev_kwh"],
    }


def run_sweep(count: int, out: Path, seed: int = 0) -> list[dict[str, Any]]:
    """Run `count` homes on every core; write sweep.json and print a summary."""
    with ProcessPoolExecutor(os.cpu_count()) as pool:
        results = list(
            pool.map(
                run_home,
                range(count),
                [seed] * count,
                chunksize=max(count // (4 * (os.cpu_count() or 1)), 1),
            )
        )
    (out / "sweep.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(summary(results))
    return results


def summary(results: list[dict[str, Any]]) -> str:
    """The sweep's figures in one paragraph."""
    worst = max(results, key=lambda r: r["managed_over_peak_A"])
    standard = [r["ev_kwh"] for r in results if r["mode"] == "standard"]
    return (
        f"{len(results)} homes: would trip {sum(r['would_trip'] for r in results)}, "
        f"over the breaker beyond 20 s "
        f"{sum(r['longest_overload_s'] > 20 for r in results)} (longest "
        f"{max(r['longest_overload_s'] for r in results):.0f} s), worst excess "
        f"{worst['managed_over_peak_A']:.1f} A ({worst['home']}), "
        f"{sum(r['over_limit_by_managed_As'] for r in results):.0f} A·s in all; "
        f"import cap beyond 20 s {sum(r['longest_import_cap_excess_s'] > 20 for r in results)}; "
        f"slowest reaction {max(r['reaction_s'] for r in results):.0f} s; writes per "
        f"charging hour p90 {np.percentile([r['writes_per_charging_hour'] for r in results], 90):.0f}, "
        f"max {max(r['writes_per_charging_hour'] for r in results):.0f}, over 60 in "
        f"{sum(r['writes_per_charging_hour'] > 60 for r in results)}; "
        f"Standard-mode energy {sum(standard):.0f} kWh in {len(standard)} homes"
    )

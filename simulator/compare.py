"""Every controller on one day, on the same inputs, and the optimum that bounds them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .controllers import EvccStyle, Naive, Ours
from .day import Day
from .metrics import metrics
from .optimum import optimal_self_consumption
from .plot import draw_day
from .run import Inputs, simulate

CONTROLLERS = (Ours, Naive, EvccStyle)


def run_day(day: Day, out: Path | None) -> dict[str, Any]:
    """Every controller on one day; writes DAY.json and DAY.png into `out`."""
    inputs = Inputs.of(day)
    results: dict[str, Any] = {"day": day.name, "controllers": {}}
    for controller in CONTROLLERS:
        trace = simulate(day, controller, inputs)
        results["controllers"][trace.controller] = metrics(trace)
        if out is not None and controller is Ours:
            draw_day(trace, out / f"{day.name}.png")
    results["optimum_self_consumption"] = optimal_self_consumption(day, inputs)
    if out is not None:
        (out / f"{day.name}.json").write_text(
            json.dumps(results, indent=2), encoding="utf-8"
        )
    return results

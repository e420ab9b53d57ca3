"""A picture of a simulated day: PV and house, every load's current, the grid against limits."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .run import Trace  # noqa: E402


def draw_day(trace: Trace, path: Path) -> None:
    """Write a PNG of one controller's day."""
    day = trace.day
    hours = trace.t / 3600.0
    fig, (power, loads, grid) = plt.subplots(3, 1, figsize=(12, 9), sharex=True)
    fig.suptitle(f"{day.name} — {trace.controller}")
    power.plot(hours, trace.pv_w / 1000, color="orange", label="PV")
    power.plot(
        hours, trace.house_w.sum(axis=0) / 1000, color="grey", label="house (base)"
    )
    if day.battery_kwh > 0:
        power.plot(
            hours, trace.battery_w / 1000, color="green", label="battery (+ discharge)"
        )
    power.set_ylabel("kW")
    power.legend(loc="upper left")
    for load_id, amps in trace.load_a.items():
        (line,) = loads.plot(hours, amps, label=f"{load_id} drawn")
        color = line.get_color()
        command = trace.commands[load_id]
        loads.plot(
            hours, command, ":", linewidth=0.8, color=color, label=f"{load_id} command"
        )
        running = command > 0
        starts = hours[1:][~running[:-1] & running[1:]]
        stops = hours[1:][running[:-1] & ~running[1:]]
        loads.plot(starts, [0.0] * len(starts), "^", color=color)  # a start
        loads.plot(stops, [0.0] * len(stops), "v", color=color)  # a stop
    loads.set_ylabel("A per line")
    loads.legend(loc="upper left", fontsize="small", ncol=2)
    for i, phase in enumerate(day.phases):
        grid.plot(hours, trace.grid_a[i], linewidth=0.8, label=f"grid {phase}")
    grid.axhline(day.breaker_a, color="red", linestyle="--", label="breaker")
    grid.axhline(-day.breaker_a, color="red", linestyle="--")
    if day.max_import_w is not None:
        grid.axhline(
            day.max_import_w / day.voltage / len(day.phases),
            color="purple",
            linestyle=":",
            label="import cap / phases",
        )
    grid.set_ylabel("A (+ import)")
    grid.set_xlabel("hour")
    grid.legend(loc="upper left", fontsize="small")
    for axis in (power, loads, grid):
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)

"""What a simulated day shows: safety, energy, service and stability figures (docs/design.md §10)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from custom_components.dynamic_ocpp_evse.engine.model import Mode, ModeSetting

from .heat_pump import THERMOSTAT_BAND_K
from .run import Array, Trace
from .thermal import heat


def _episodes(mask: npt.NDArray[np.bool_]) -> list[int]:
    """Lengths (in steps) of the runs of True in a boolean array."""
    lengths: list[int] = []
    run = 0
    for value in mask:
        if value:
            run += 1
        elif run:
            lengths.append(run)
            run = 0
    if run:
        lengths.append(run)
    return lengths


STEP_A = 1.0  # an overload smaller than this is meter noise, not a step to react to


def _reaction_steps(
    overloaded: npt.NDArray[np.bool_], size_a: Array, commanded: Array
) -> int:
    """The longest a controller took to lower its commands after an overload step began.

    Episodes that never exceed STEP_A are left out, and an episode is timed from its first step
    above STEP_A; one that ended before any reduction counts with its own length.
    """
    longest = 0
    index = 0
    steps = len(overloaded)
    while index < steps:
        if not overloaded[index]:
            index += 1
            continue
        start = index
        while index < steps and overloaded[index]:
            index += 1
        big = np.nonzero(size_a[start:index] >= STEP_A)[0]
        if not big.size:
            continue
        onset = start + int(big[0])
        before = commanded[onset - 1] if onset else commanded[onset]
        lowered = np.nonzero(commanded[onset:index] < before - 1e-9)[0]
        longest = max(longest, int(lowered[0]) + 1 if lowered.size else index - onset)
    return longest


def _stops(trace: Trace, ids: list[str]) -> int:
    """How often a load's command fell to 0 while it still wanted energy.

    A car that leaves or is full was not stopped by the controller.
    """
    stops = 0
    for load_id in ids:
        running = trace.commands[load_id] > 0
        wanting = trace.wanting[load_id][1:] > 0
        stops += int(np.count_nonzero(running[:-1] & ~running[1:] & wanting))
    return stops


def metrics(trace: Trace) -> dict[str, Any]:
    """Every figure of one controller's day."""
    day = trace.day
    dt = day.step_s
    hours = dt / 3600.0
    volts = day.voltage

    # Safety: only the part of an overload the managed loads caused can be held against a
    # controller (an oven alone over the breaker is the house's doing, and so is PV exporting
    # more than the breaker: there the managed loads only help).
    over = trace.grid_a - day.breaker_a
    avoidable = np.clip(np.minimum(over, trace.managed_a), 0.0, None)
    overloaded: npt.NDArray[np.bool_] = np.asarray((avoidable > 1e-6).any(axis=0))
    import_w = trace.grid_a.sum(axis=0) * volts
    cap_over = (
        np.clip(import_w - day.max_import_w, 0.0, None)
        if day.max_import_w is not None
        else np.zeros_like(import_w)
    )
    managed_import = np.minimum(cap_over, trace.managed_a.sum(axis=0) * volts)
    # The breaker's thermal response: a trip counts against a controller when the house alone
    # (the managed loads' draw taken away) would not have tripped it.
    warmth = heat(trace.grid_a, day.breaker_a, day.breaker_type, dt)
    house_warmth = heat(
        trace.grid_a - trace.managed_a, day.breaker_a, day.breaker_type, dt
    )

    # Energy.
    export_w = np.clip(-import_w, 0.0, None)
    pv_kwh = float(trace.pv_w.sum() * hours / 1000)
    export_kwh = float(export_w.sum() * hours / 1000)
    cars = [c.id for c in day.chargers]
    ev_w = sum((trace.load_w[c] for c in cars), np.zeros_like(import_w))
    house_total = trace.house_w.sum(axis=0)
    solar_left = np.clip(
        trace.pv_w - house_total, 0.0, None
    )  # the house is served first
    ev_kwh = float(ev_w.sum() * hours / 1000)
    ev_solar_kwh = float(np.minimum(ev_w, solar_left).sum() * hours / 1000)
    solar_mode = [
        load_id
        for load_id, setting in [(c.id, c.mode) for c in day.chargers]
        + [(p.id, p.mode) for p in day.plugs]
        if ModeSetting(setting).resolve(day.mode) in (Mode.SOLAR, Mode.EXCESS)
    ]
    solar_mode_w = sum((trace.load_w[i] for i in solar_mode), np.zeros_like(import_w))
    grid_for_solar_kwh = float(
        np.minimum(solar_mode_w, np.clip(import_w, 0.0, None)).sum() * hours / 1000
    )
    missed_kwh = float((export_w * trace.car_open).sum() * hours / 1000)

    # Stability.
    starts = reversals = 0
    stops = _stops(trace, list(trace.commands))
    for command in trace.commands.values():
        running = command > 0
        starts += int(np.count_nonzero(~running[:-1] & running[1:]))
        changes = np.diff(command)
        changes = changes[np.abs(changes) > 1e-9]
        reversals += int(
            np.count_nonzero(np.sign(changes[1:]) != np.sign(changes[:-1]))
        )
    sessions = max(len(day.cars) + len(day.plugs), 1)
    car_writes = sum(trace.writes[c.id] for c in day.chargers)
    requested = sum(c.need_kwh for c in day.cars)
    delivered = sum(trace.delivered_kwh.values())
    return {
        "controller": trace.controller,
        "safety": {
            "phase_over_limit_As": float(avoidable.sum() * dt),
            "phase_peak_over_A": float(avoidable.max(initial=0.0)),
            "import_cap_over_Ws": float(managed_import.sum() * dt),
            "longest_overload_s": float(max(_episodes(overloaded), default=0) * dt),
            "reaction_s": float(
                _reaction_steps(
                    overloaded,
                    avoidable.max(axis=0),
                    sum(trace.commands.values(), np.zeros_like(import_w)),
                )
                * dt
            ),
            # What the loads behind a circuit group drew above its rating.
            "group_over_limit_As": float(
                sum(
                    np.clip(trace.group_a[g.id] - g.rating_a, 0.0, None).sum()
                    for g in day.groups
                )
                * dt
            ),
            "would_trip": bool(
                (warmth >= 1.0).any() and not (house_warmth >= 1.0).any()
            ),
            # The most the thermal release was heated, as a share of what trips it.
            "breaker_heat_peak": float(warmth.max(initial=0.0)),
            "longest_import_cap_excess_s": float(
                max(_episodes(managed_import > 1e-6), default=0) * dt
            ),
        },
        "energy": {
            "pv_kwh": pv_kwh,
            "export_kwh": export_kwh,
            "self_consumption": 1 - export_kwh / pv_kwh if pv_kwh > 0 else 1.0,
            "ev_kwh": ev_kwh,
            "ev_solar_share": ev_solar_kwh / ev_kwh if ev_kwh > 0 else 0.0,
            "grid_kwh_for_solar_loads": grid_for_solar_kwh,
            "missed_surplus_kwh": missed_kwh,
        },
        "service": {
            "requested_kwh": requested,
            "delivered_kwh": delivered,
            "delivered_share": delivered / requested if requested > 0 else 1.0,
            "per_car_kwh": dict(trace.delivered_kwh),
        },
        "stability": {
            "starts_per_session": starts / sessions,
            "stops_per_session": stops / sessions,
            # Per hour with a car plugged in: a charger without a car is not written to.
            "writes_per_charging_hour": car_writes
            / max(sum(trace.plugged_s.values()) / 3600.0, 1e-9),
            "writes_per_car_session": car_writes / max(len(day.cars), 1),
            "car_stops_per_session": _stops(trace, [c.id for c in day.chargers])
            / max(len(day.cars), 1),
            "setpoint_reversals_per_hour": reversals / day.hours,
        },
        **({"tanks": _tanks(trace, import_w)} if trace.tank_c else {}),
        **({"heat_pumps": _heat_pumps(trace, import_w)} if trace.room_c else {}),
    }


def _kwh(drawn_w: Array, import_w: Array, hours: float) -> tuple[float, float]:
    """What a load drew, and the grid's share of it: what the site imported meanwhile.

    The grid's share is at most the load's own draw.
    """
    grid_w = np.minimum(drawn_w, np.clip(import_w, 0.0, None))
    return float(drawn_w.sum() * hours / 1000), float(grid_w.sum() * hours / 1000)


def _boost_kwh(trace: Trace, plug_id: str, import_w: Array) -> dict[str, float]:
    """What a boost drew, and the grid's share of it."""
    drawn, grid = _kwh(trace.load_w[plug_id], import_w, trace.day.step_s / 3600.0)
    return {"boost_kwh": drawn, "boost_grid_kwh": grid}


def _tanks(trace: Trace, import_w: Array) -> dict[str, dict[str, float]]:
    """Per tank: the boost's energy and its grid share, its temperatures, its writes."""
    day = trace.day
    hours = day.step_s / 3600.0
    figures: dict[str, dict[str, float]] = {}
    for plug in day.plugs:
        if plug.tank is None:
            continue
        temperature = trace.tank_c[plug.id]
        figures[plug.id] = {
            **_boost_kwh(trace, plug.id, import_w),
            "hours_at_maximum": float(
                np.count_nonzero(temperature >= plug.tank.max_c - 0.5) * hours
            ),
            "peak_c": float(temperature.max(initial=0.0)),
            "end_c": float(temperature[-1]) if temperature.size else 0.0,
            "writes_per_hour": trace.writes[plug.id] / day.hours,
        }
    return figures


AT_COMFORT_MAXIMUM_K = 0.25  # a room this close to its comfort maximum is at it


def _heat_pumps(trace: Trace, import_w: Array) -> dict[str, dict[str, float]]:
    """Per heat pump: its boost's figures, and the run-on a boost left behind (house load).

    The boost's energy and its grid share, the heat it put into the house and what was stored
    above the user's thermostat, the room's temperatures, its writes.
    """
    day = trace.day
    hours = day.step_s / 3600.0
    figures: dict[str, dict[str, float]] = {}
    for plug in day.plugs:
        spec = plug.heat_pump
        if spec is None:
            continue
        cop = np.array([spec.cop(spec.outdoor_c(t / 3600)) for t in trace.t])
        room = trace.room_c[plug.id]
        # Above where the user's set-point stops the pump, only a boost heated the house.
        above = np.clip(room - (spec.setpoint_c + THERMOSTAT_BAND_K), 0.0, None)
        run_on, run_on_grid = _kwh(trace.run_on_w[plug.id], import_w, hours)
        figures[plug.id] = {
            **_boost_kwh(trace, plug.id, import_w),
            "run_on_kwh": run_on,
            "run_on_grid_kwh": run_on_grid,
            "boost_heat_kwh": float((trace.load_w[plug.id] * cop).sum() * hours / 1000),
            "stored_peak_kwh": float(above.max(initial=0.0) * spec.capacity_kwh_per_k),
            "hours_at_maximum": float(
                np.count_nonzero(room >= spec.max_c - AT_COMFORT_MAXIMUM_K) * hours
            ),
            "peak_c": float(room.max(initial=0.0)),
            "end_c": float(room[-1]) if room.size else 0.0,
            "writes_per_hour": trace.writes[plug.id] / day.hours,
        }
    return figures

"""The house as the meter sees it: base load, what PV and battery feed, the surplus.

The grid reading is net of everything; the managed loads' own draw is taken out here
(docs/design.md §3, §4.1, §4.4).
"""

from __future__ import annotations

import math

from .facts import order_key
from .model import Evse, Load, Phase, Snapshot, Switched


def backing_a(
    snapshot: Snapshot, base: dict[Phase, float]
) -> tuple[dict[Phase, float], bool]:
    """What PV and a discharging battery feed into each phase now, and whether it is known.

    Their power spread evenly over the site's phases (a symmetric inverter), and never less
    than what a phase exports (docs/design.md §4.4). Without a solar sensor the PV is seen only
    as that export. While a configured solar or battery power reading is stale, the most
    they fed over the lending memory is taken, and nothing is lent.
    """
    phases = snapshot.site.phases
    voltage = voltage_of(snapshot)
    fed_w, known = 0.0, True
    solar = snapshot.solar_w
    if solar is not None and math.isfinite(solar):
        fed_w += max(solar, 0.0)
    elif snapshot.solar_sensor:
        known = False
    battery = snapshot.battery.power_w if snapshot.battery is not None else None
    if battery is not None and math.isfinite(battery):
        fed_w += max(battery, 0.0)
    elif snapshot.battery is not None:
        known = False
    share = fed_w / (voltage * len(phases)) if phases else 0.0
    high = (snapshot.backing_high_a or {}) if not known else {}
    return {p: max(share, -base[p], high.get(p, 0.0), 0.0) for p in phases}, known


def base_load(
    snapshot: Snapshot, grid: dict[Phase, float]
) -> tuple[dict[Phase, float], dict[str, float]]:
    """House load per phase, and the loads that draw more than they are allowed.

    The grid reading less what the managed loads draw (docs/design.md §11, trap 1) — but only up to what each is
    allowed: what a load draws above its command (a load that ignores it, or a reading from
    before the load followed a lower one) stays house load, in every budget. A connector we
    cannot reach is not taken out: what it draws is not known (its last readings may be old),
    so all the meter shows stays house load; `held_a` adds what its charger may still apply.
    """
    voltage = voltage_of(snapshot)
    base = dict(grid)
    overdraw: dict[str, float] = {}
    # The same sums whatever the order.
    for load in sorted(snapshot.loads, key=order_key):
        allowed = load.control.allowed_a
        excess = 0.0
        if isinstance(load, Evse):
            if load.holds_a > 0:
                continue
            drawn = load.measured_by_line()
        elif load.wired and _drawn_is_managed(load):
            total = load.drawn_w()
            per_line = total / (voltage * len(load.wired)) if total > 0 else 0.0
            drawn = [(phase, per_line) for phase in load.wired]
        else:
            continue
        for phase, amps in drawn:
            if phase not in base or not math.isfinite(amps) or amps <= 0:
                continue
            ours = amps if allowed is None else min(amps, allowed)
            base[phase] -= ours
            excess = max(excess, amps - ours)
        if excess > OVERDRAW_TOLERANCE_A:
            overdraw[load.id] = excess
    return base, overdraw


def held_a(snapshot: Snapshot) -> dict[Phase, float]:
    """Per phase, what the chargers of connectors we cannot reach may apply by themselves.

    On every wired line: a car that drew on one line may wake on all of them (docs/design.md §6).
    """
    held = dict.fromkeys(snapshot.site.phases, 0.0)
    for load in snapshot.loads:
        if isinstance(load, Evse) and load.holds_a > 0:
            for phase in load.wired:
                if phase in held:
                    held[phase] += load.holds_a
    return held


OVERDRAW_TOLERANCE_A = 1.0  # drawing this much above the command is following it


def _drawn_is_managed(load: Switched) -> bool:
    # A thermal load's normal heating is house load; only its boost is ours.
    return not load.thermal or load.control.command_a > 0


def power_w(load: Load, voltage: float) -> float | None:
    """What a load draws now (W); None while a line of it is not known.

    A switched one's measured or rated power while on; a charger's currents at `voltage`.
    """
    if isinstance(load, Switched):
        return load.drawn_w()
    if not load.line_a or any(amps is None for amps in load.line_a):
        return None
    return sum(amps or 0.0 for amps in load.line_a) * voltage


def voltage_of(snapshot: Snapshot) -> float:
    """The site's voltage; a nonsense setting reads as 230 V."""
    voltage = snapshot.site.voltage
    return voltage if math.isfinite(voltage) and voltage > 1 else 230.0


def surplus_w(snapshot: Snapshot, base: dict[Phase, float]) -> float:
    """Power that would leave the site with every managed load off (docs/design.md §4.1, §4.3)."""
    export = -sum(base.values()) * voltage_of(snapshot)
    battery = snapshot.battery
    if battery is None:
        return export
    power = battery.power_w
    if power is None or not math.isfinite(power):
        return min(export, 0.0)  # stale battery power: no surplus
    if power >= 0:
        return export - power  # discharging feeds the loads: a deficit, not surplus
    soc = battery.soc
    if soc is None or not math.isfinite(soc) or soc < battery.target_soc:
        return export  # below its target the battery fills first
    return export + min(-power, _inverter_room_w(snapshot, -power))


def _inverter_room_w(snapshot: Snapshot, charge_w: float) -> float:
    """How much of the battery's charging power the inverter could deliver as AC instead."""
    inverter = snapshot.site.inverter
    solar = snapshot.solar_w
    if inverter is None or solar is None or not math.isfinite(solar):
        return math.inf
    capacity = inverter.max_power_w
    if inverter.max_phase_power_w is not None:
        capacity = min(capacity, inverter.max_phase_power_w * len(snapshot.site.phases))
    output = solar - charge_w
    return max(capacity - output, 0.0)

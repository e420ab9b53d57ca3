"""A day description (YAML): the site, its loads, its profiles and events."""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import math
from pathlib import Path
from typing import Any

import yaml

from custom_components.dynamic_ocpp_evse.engine.breaker import BreakerType
from custom_components.dynamic_ocpp_evse.engine.facts import group_chain
from custom_components.dynamic_ocpp_evse.engine.model import (
    CircuitGroup,
    Distribution,
    Mode,
    Phase,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Car:
    """A car that arrives with an energy need and leaves again."""

    id: str
    charger: str  # the charger (connector) it plugs into
    arrive_h: float
    leave_h: float
    need_kwh: float
    phases: int = 3  # lines the car charges on (1 or 3)
    max_a: float = 16.0
    step_a: float = 1.0  # the current resolution the charger applies (1 A or 0.1 A)
    rogue: bool = False  # ignores every limit: draws its maximum while it needs energy


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerSpec:
    """A charger connector of the site."""

    id: str
    wired: tuple[Phase, ...] = (Phase.A, Phase.B, Phase.C)
    min_a: float = 6.0
    max_a: float = 16.0
    mode: str = "follow_site"
    priority: int = 1
    group: str | None = None  # the circuit group (sub-breaker) it hangs on


@dataclass(frozen=True, slots=True, kw_only=True)
class TankSpec:
    """A hot-water tank behind a boost switch: its own element keeps the normal level."""

    litres: float = 200.0
    start_c: float = 45.0
    normal_c: float = 45.0  # its own thermostat (2 K band): house load
    boost_c: float = 65.0
    max_c: float = 70.0  # its safety cut-out: no element heats above it
    hysteresis_c: float = 3.0
    loss_w_per_k: float = 1.5  # standing loss per kelvin above the room (20 °C)
    # Hot water drawn: (hour, litres), replaced by water at 10 °C.
    draws: tuple[tuple[float, float], ...] = (
        (7.0, 40.0),
        (7.5, 30.0),
        (12.5, 10.0),
        (19.0, 20.0),
        (21.0, 50.0),
    )

    def most_kwh(self, hours: float) -> float:
        """The most heat it could take in a day, its own heating included (a bound).

        From its start to its maximum, every litre drawn heated from cold, its loss at the
        maximum all day.
        """
        litres = self.litres + sum(drawn for _, drawn in self.draws)
        heating_j = litres * 4186.0 * (self.max_c - 10.0)
        loss_j = self.loss_w_per_k * (self.max_c - 20.0) * hours * 3600
        return (heating_j + loss_j) / 3.6e6


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatPumpSpec:
    """A heat pump heating the house as one body: its own thermostat keeps the user's set-point.

    A boost raises the set-point by the offset (at most to the comfort maximum): the house
    pre-heats, storing heat. Its draw at the user's set-point is house load.
    """

    capacity_kwh_per_k: float = 10.0  # the house's heat capacity
    loss_w_per_k: float = 180.0  # to outdoors, per kelvin of difference
    # Outdoors: a half cosine up from the minimum to the maximum, another back down.
    outdoor_min_c: float = -2.0
    outdoor_min_h: float = 6.0
    outdoor_max_c: float = 8.0
    outdoor_max_h: float = 15.0
    start_c: float = 20.5
    setpoint_c: float = 20.5  # the user's
    boost_offset_k: float = 1.5
    max_c: float = 23.0  # the comfort maximum: never heated above it
    hysteresis_c: float = 1.0  # the boost band's
    # COP = cop_at_0c + cop_per_k x outdoor °C, within [cop_min, cop_max].
    cop_at_0c: float = 3.0
    cop_per_k: float = 0.08
    cop_min: float = 2.0
    cop_max: float = 5.0

    @property
    def boost_c(self) -> float:
        """The set-point while boosted: the user's plus the offset, at most the maximum."""
        return min(self.setpoint_c + self.boost_offset_k, self.max_c)

    def outdoor_c(self, hour: float) -> float:
        """The outdoor temperature at an hour of the day."""
        rise_h = (self.outdoor_max_h - self.outdoor_min_h) % 24
        since_min = (hour - self.outdoor_min_h) % 24
        if since_min <= rise_h:
            share = since_min / rise_h  # rising
        else:
            share = 1 - (since_min - rise_h) / (24 - rise_h)  # falling
        swing = self.outdoor_max_c - self.outdoor_min_c
        return self.outdoor_min_c + swing * (1 - math.cos(math.pi * share)) / 2

    def cop(self, outdoor_c: float) -> float:
        """Heat out per electrical energy in at an outdoor temperature."""
        linear = self.cop_at_0c + self.cop_per_k * outdoor_c
        return min(max(linear, self.cop_min), self.cop_max)

    def most_kwh(self, hours: float) -> float:
        """The most electrical energy it could take in a day, its own heating included (a bound).

        From its start to its maximum, its loss at the maximum against the coldest outdoors
        all day, at the COP of the coldest.
        """
        coldest = min(self.outdoor_min_c, self.outdoor_max_c)
        heat_kwh = self.capacity_kwh_per_k * max(self.max_c - self.start_c, 0.0)
        heat_kwh += self.loss_w_per_k * (self.max_c - coldest) * hours / 1000
        return heat_kwh / self.cop(coldest)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlugSpec:
    """A switched load (e.g. a boiler) that draws its power while on."""

    id: str
    phase: Phase = Phase.A
    power_w: float = 2000.0
    mode: str = "solar"
    priority: int = 2
    need_kwh: float = 4.0  # it stops drawing (thermostat) once this much is delivered
    group: str | None = None
    tank: TankSpec | None = None  # a thermal boost: it heats this tank instead
    heat_pump: HeatPumpSpec | None = None  # a thermal boost: it pre-heats the house

    @property
    def boost_band(self) -> tuple[float, float] | None:
        """A thermal boost's band (its ceiling and hysteresis, °C); None for a plain plug."""
        if self.tank is not None:
            return min(self.tank.boost_c, self.tank.max_c), self.tank.hysteresis_c
        if self.heat_pump is not None:
            return self.heat_pump.boost_c, self.heat_pump.hysteresis_c
        return None

    def most_kwh(self, hours: float) -> float:
        """The most it could take in a day: its need, or what its store could (a bound)."""
        if self.tank is not None:
            return self.tank.most_kwh(hours)
        if self.heat_pump is not None:
            return self.heat_pump.most_kwh(hours)
        return self.need_kwh


@dataclass(frozen=True, slots=True, kw_only=True)
class Spike:
    """An appliance on one phase for a while (kettle, oven)."""

    phase: Phase
    start_h: float
    minutes: float
    power_w: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    """Everything a simulated day needs."""

    name: str
    date: dt.date = dt.date(2026, 6, 21)
    latitude: float = 52.0
    longitude: float = 5.0
    phases: tuple[Phase, ...] = (Phase.A, Phase.B, Phase.C)
    voltage: float = 230.0
    breaker_a: float = 25.0
    breaker_type: BreakerType = BreakerType.MCB_B
    max_import_w: float | None = None
    pv_kwp: float = 8.0
    inverter_w: float | None = None  # the PV inverter's AC limit (it clips above)
    solar_sensor: bool = True  # the controller sees the PV production
    # clear, scattered, broken, cumulus, overcast or mixed (profiles.SKIES)
    sky: str = "clear"
    house_kwh_year: float = 3500.0
    house_phase_share: tuple[float, ...] = (0.5, 0.3, 0.2)
    battery_kwh: float = 0.0
    battery_kw: float = 0.0
    battery_soc: float = 50.0
    battery_target_soc: float = 90.0
    # At or above it the battery may carry running loads' minimums (the site setting, with
    # its default: 100, off).
    battery_support_soc: float = 100.0
    mode: Mode = Mode.SOLAR
    distribution: Distribution = Distribution.SHARED
    excess_threshold_w: float = 0.0
    chargers: tuple[ChargerSpec, ...] = ()
    groups: tuple[CircuitGroup, ...] = ()  # sub-breakers, as the engine takes them
    cars: tuple[Car, ...] = ()
    plugs: tuple[PlugSpec, ...] = ()
    spikes: tuple[Spike, ...] = ()
    meter_outages: tuple[tuple[float, float], ...] = ()  # (start h, minutes)
    # The meter stops reporting, its last value stays: (start h, minutes).
    meter_silences: tuple[tuple[float, float], ...] = ()
    seed: int = 1
    step_s: float = 5.0
    start_h: float = 0.0  # simulate from this hour ...
    hours: float = 24.0  # ... for this long
    extra: dict[str, Any] = field(default_factory=dict)


def load_chains(day: Day) -> dict[str, list[str]]:
    """Per charger and plug: its circuit group and every group above it (the engine's walk)."""
    parents = {g.id: g.parent for g in day.groups}
    loads = [(c.id, c.group) for c in day.chargers] + [
        (p.id, p.group) for p in day.plugs
    ]
    return {load_id: group_chain(group, parents) for load_id, group in loads}


def _phases(value: Any) -> tuple[Phase, ...]:
    return tuple(Phase(p) for p in (value if isinstance(value, list) else str(value)))


def _tank(raw: dict[str, Any]) -> TankSpec:
    values = dict(raw)
    if "draws" in values:
        values["draws"] = tuple(tuple(d) for d in values["draws"])
    return TankSpec(**values)


def load_day(path: Path) -> Day:
    """Read a day description."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return day_from_dict(raw, default_name=path.stem)


def day_from_dict(raw: dict[str, Any], *, default_name: str = "day") -> Day:
    """Build a day from its mapping (YAML or generated)."""
    values = dict(raw)
    values.setdefault("name", default_name)
    if "date" in values and isinstance(values["date"], str):
        values["date"] = dt.date.fromisoformat(values["date"])
    if "phases" in values:
        values["phases"] = _phases(values["phases"])
    if "house_phase_share" in values:
        values["house_phase_share"] = tuple(values["house_phase_share"])
    if "mode" in values:
        values["mode"] = Mode(values["mode"])
    if "breaker_type" in values:
        values["breaker_type"] = BreakerType(values["breaker_type"])
    if "distribution" in values:
        values["distribution"] = Distribution(values["distribution"])
    values["chargers"] = tuple(
        ChargerSpec(**{**c, "wired": _phases(c.get("wired", "ABC"))})
        for c in values.get("chargers", [])
    )
    values["cars"] = tuple(Car(**c) for c in values.get("cars", []))
    values["groups"] = tuple(CircuitGroup(**g) for g in values.get("groups", []))
    values["plugs"] = tuple(
        PlugSpec(
            **{
                **p,
                "phase": Phase(p.get("phase", "A")),
                "tank": _tank(p["tank"]) if "tank" in p else None,
                "heat_pump": HeatPumpSpec(**p["heat_pump"])
                if "heat_pump" in p
                else None,
            }
        )
        for p in values.get("plugs", [])
    )
    values["spikes"] = tuple(
        Spike(**{**s, "phase": Phase(s["phase"])}) for s in values.get("spikes", [])
    )
    values["meter_outages"] = tuple(tuple(o) for o in values.get("meter_outages", []))
    values["meter_silences"] = tuple(tuple(o) for o in values.get("meter_silences", []))
    return Day(**values)

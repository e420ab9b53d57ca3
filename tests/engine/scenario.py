"""Reading scenario files (see scenarios/README.md) into engine snapshots, and running them.

Everything goes through the production path: raw signed grid readings with their units, which
include the managed loads' own draw, are normalised by `engine.units.grid_current`, and the
engine subtracts the draws itself (docs/design.md §11, trap 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
import math
from pathlib import Path
import re
from typing import Any

import yaml

from custom_components.dynamic_ocpp_evse.engine.breaker import BreakerType
from custom_components.dynamic_ocpp_evse.engine.cycle import run_cycle
from custom_components.dynamic_ocpp_evse.engine.meter import MeterState
from custom_components.dynamic_ocpp_evse.engine.model import (
    Battery,
    Charger,
    CircuitGroup,
    ControlFlags,
    Distribution,
    Evse,
    Inverter,
    Load,
    Mode,
    ModeSetting,
    Phase,
    Plan,
    Session,
    Site,
    Snapshot,
    Switched,
)
from custom_components.dynamic_ocpp_evse.engine.state import ControlParams, LoadState
from custom_components.dynamic_ocpp_evse.engine.units import grid_current

SCENARIO_DIR = Path(__file__).parent / "scenarios"
type Spec = dict[str, Any]


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false, so `mode: off` and `on: true` mean what they say."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


def load_files(kind: str) -> list[tuple[str, Spec]]:
    """Every scenario of a kind ("scenarios" or "timelines") as (id, spec), in file order."""
    found: list[tuple[str, Spec]] = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
        defaults = document.get("defaults", {})
        for spec in document.get(kind, []):
            merged = _merge(defaults, spec)
            found.append((f"{path.stem}: {merged['name']}", merged))
    return found


def _merge(defaults: Spec, spec: Spec) -> Spec:
    merged = dict(defaults)
    for key, value in spec.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def phases(value: Any) -> tuple[Phase, ...]:
    """'ABC', 'B', ['A', 'C'] -> phases."""
    return tuple(
        Phase(letter) for letter in (value if isinstance(value, list) else str(value))
    )


def build_site(spec: Spec) -> Site:
    """The site of a scenario; every key is optional."""
    inverter = spec.get("inverter")
    return Site(
        phases=phases(spec.get("phases", "ABC")),
        voltage=float(spec.get("voltage", 230)),
        breaker_a=float(spec.get("breaker", 25)),
        breaker_type=BreakerType(spec.get("breaker_type", "mcb_b")),
        margin_a=float(spec.get("margin", 0)),
        max_import_w=_opt_float(spec.get("max_import")),
        import_buffer_w=float(spec.get("import_buffer", 0)),
        excess_threshold_w=float(spec.get("excess_threshold", 0)),
        inverter=Inverter(
            max_power_w=float(inverter["max_power"]),
            max_phase_power_w=_opt_float(inverter.get("max_phase_power")),
        )
        if inverter
        else None,
        groups=tuple(
            CircuitGroup(
                id=g["id"], rating_a=float(g["rating"]), parent=g.get("parent")
            )
            for g in spec.get("groups", [])
        ),
        chargers=tuple(
            Charger(id=c["id"], max_a=float(c["max"])) for c in spec.get("chargers", [])
        ),
        meter_interval_s=float(spec.get("meter_interval", 10)),
    )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _reading(value: Any) -> float | None:
    """A raw value as a meter would give it: 'unavailable' and the like stay stale (None)."""
    if value is None or isinstance(value, str) and value in ("unavailable", "unknown"):
        return None
    return float(value)


def build_load(spec: Spec) -> Load:
    """An EVSE connector (default), a plug or a thermal load from its scenario description."""
    kind = spec.get("type", "evse")
    control = ControlFlags(
        may_start=bool(spec.get("may_start", True)),
        paused=bool(spec.get("paused", not spec.get("may_start", True))),
        keep_minimum=bool(spec.get("keep_minimum", False)),
        command_a=float(spec.get("command", 0)),
        allowed_a=_opt_float(spec.get("allowed")),
    )
    common: dict[str, Any] = {
        "id": str(spec["id"]),
        "wired": phases(spec.get("wired", "ABC")),
        "mode": ModeSetting(spec.get("mode", "follow_site")),
        "priority": int(spec.get("priority", 1)),
        "group": spec.get("group"),
        "control": control,
    }
    if kind == "evse":
        draw = spec.get("draw", [])
        return Evse(
            **common,
            min_a=float(spec.get("min", 6)),
            max_a=float(spec.get("max", 16)),
            failsafe_a=float(spec.get("failsafe", spec.get("min", 6)) or 0),
            line_a=tuple(_reading(v) for v in draw),
            session=Session(spec.get("session", "connected")),
            charger=spec.get("charger"),
            command_lifetime_s=_opt_float(spec.get("lifetime", 180)),
            current_step_a=float(spec.get("step", 0)),
            car_lines=int(spec.get("car_phases", 0)),
            holds_a=float(spec.get("holds", 0)),
        )
    return Switched(
        **common,
        power_w=float(spec["power"]),
        is_on=bool(spec.get("on", False)),
        measured_w=_reading(spec.get("measured")),
        thermal=kind == "thermal",
        min_on_s=float(spec.get("min_on", 0)),
        min_off_s=float(spec.get("min_off", 0)),
    )


def managed_draw(loads: tuple[Load, ...], voltage: float) -> dict[Phase, float]:
    """What the loads draw per phase, as the grid meter sees it (stale lines drew what they
    were commanded)."""
    draw: dict[Phase, float] = {}
    for load in loads:
        if isinstance(load, Evse):
            for phase, amps in zip(load.wired, load.line_a, strict=False):
                seen = amps if amps is not None else load.control.command_a
                draw[phase] = draw.get(phase, 0.0) + seen
        elif load.is_on and load.wired:
            watts = load.measured_w if load.measured_w is not None else load.power_w
            for phase in load.wired:
                draw[phase] = draw.get(phase, 0.0) + watts / (voltage * len(load.wired))
    return draw


def raw_grid(
    spec: Spec, site: Site, loads: tuple[Load, ...], invert: bool
) -> dict[Phase, float | None]:
    """Normalised grid currents from the scenario's raw `grid` readings, or from `house`
    (amps per phase without the managed loads) plus what the loads draw."""
    readings: dict[Phase, Any] = {}
    if "house" in spec:
        draw = managed_draw(loads, site.voltage)
        for letter, amps in spec["house"].items():
            total = float(amps) + draw.get(Phase(letter), 0.0)
            readings[Phase(letter)] = -total if invert else total
    else:
        readings = {Phase(letter): value for letter, value in spec["grid"].items()}
    return {
        phase: normalise(value, site.voltage, invert)
        for phase, value in readings.items()
    }


def normalise(value: Any, voltage: float, invert: bool) -> float | None:
    """A raw reading: 12.5 (A), '12.5 A', '-3.2 kW', 'unavailable', or {value, unit, age}."""
    age, max_age = None, math.inf
    if isinstance(value, dict):
        age, max_age = value.get("age"), float(value.get("max_age", math.inf))
        raw, unit = value["value"], value.get("unit", "A")
    elif isinstance(value, str) and " " in value.strip():
        raw, unit = value.split()
    else:
        raw, unit = value, "A"
    return grid_current(
        raw, unit, voltage=voltage, invert=invert, age_s=age, max_age_s=max_age
    )


def build_snapshot(spec: Spec) -> Snapshot:
    """The snapshot of a single-shot scenario."""
    site_spec = spec.get("site", {})
    site = build_site(site_spec)
    loads = tuple(build_load(load) for load in spec.get("loads", []))
    battery = spec.get("battery")
    return Snapshot(
        site=site,
        grid_a=raw_grid(spec, site, loads, bool(site_spec.get("invert", False))),
        loads=loads,
        site_mode=Mode(spec.get("mode", "standard")),
        distribution=Distribution(spec.get("distribution", "shared")),
        solar_w=_reading(spec.get("solar")),
        solar_sensor="solar" in spec,
        battery=Battery(
            soc=_reading(battery.get("soc")),
            power_w=_reading(battery.get("power")),
            target_soc=float(battery.get("target_soc", 90)),
            support_soc=float(battery.get("support_soc", 100)),
        )
        if battery
        else None,
    )


# --- timelines ------------------------------------------------------------------------------


@dataclass(slots=True)
class CarModel:
    """How a timeline's car or plug reacts to its commands."""

    car_lines: int  # lines the car draws on (a 1-phase car on a 3-phase charger: 1)
    car_max_a: float  # the car's own limit
    power_w: float = 0.0  # a plug's real power, when monitored
    rogue_a: float | None = None  # draws this whatever it is told (per line)


@dataclass(slots=True)
class Timeline:
    """A running timeline: the loads as they are now, their control states, what was sent."""

    spec: Spec
    site: Site
    invert: bool
    loads: dict[str, Load]
    cars: dict[str, CarModel]
    house: dict[Phase, float] = field(default_factory=dict)
    meter: str = (
        "ok"  # ok, stale (unavailable), frozen (same value, still reported), silent
    )
    meter_held: dict[Phase, float | None] = field(default_factory=dict)
    meter_silent_since: float | None = None
    meter_state: MeterState = field(default_factory=MeterState)
    site_mode: Mode = Mode.STANDARD
    distribution: Distribution = Distribution.SHARED
    solar_w: float | None = None
    solar_sensor: bool = False
    battery: Battery | None = None
    states: dict[str, LoadState] = field(default_factory=dict)
    sends: dict[str, int] = field(default_factory=dict)
    last_plan: Plan | None = None

    @classmethod
    def from_spec(cls, spec: Spec) -> Timeline:
        site_spec = spec.get("site", {})
        loads: dict[str, Load] = {}
        cars: dict[str, CarModel] = {}
        for load_spec in spec.get("loads", []):
            load = build_load(load_spec)
            loads[load.id] = load
            cars[load.id] = CarModel(
                car_lines=int(load_spec.get("car_lines", len(load.wired))),
                car_max_a=float(load_spec.get("car_max", 32)),
                power_w=float(load_spec.get("real_power", load_spec.get("power", 0))),
                rogue_a=_opt_float(load_spec.get("rogue")),
            )
        return cls(
            spec=spec,
            site=build_site(site_spec),
            invert=bool(site_spec.get("invert", False)),
            loads=loads,
            cars=cars,
            site_mode=Mode(spec.get("mode", "standard")),
            distribution=Distribution(spec.get("distribution", "shared")),
        )

    def apply(self, event: Spec) -> None:
        """Change the world: house load, meter, modes, battery, solar, a load's session."""
        if "house" in event:
            self.house = {Phase(k): float(v) for k, v in event["house"].items()}
        if "meter" in event:
            self.meter = str(event["meter"])
            assert self.meter in ("ok", "stale", "frozen", "silent"), self.meter
        if "mode" in event:
            self.site_mode = Mode(event["mode"])
        if "distribution" in event:
            self.distribution = Distribution(event["distribution"])
        if "solar" in event:
            self.solar_w = _reading(event["solar"])
            self.solar_sensor = True
        if "battery" in event:
            b = event["battery"]
            self.battery = Battery(
                soc=_reading(b.get("soc")),
                power_w=_reading(b.get("power")),
                target_soc=float(b.get("target_soc", 90)),
                support_soc=float(b.get("support_soc", 100)),
            )
        for change in event.get("loads", []):
            load = self.loads[change["id"]]
            updates: dict[str, Any] = {}
            if "session" in change:
                updates["session"] = Session(change["session"])
            if "load_mode" in change:
                updates["mode"] = ModeSetting(change["load_mode"])
            if "max" in change:
                updates["max_a"] = float(change["max"])
            # The car's own limit changes (its battery warmed up).
            if "car_max" in change:
                self.cars[load.id].car_max_a = float(change["car_max"])
            # A plug's device draws another power (it finished: 0).
            if "real_power" in change:
                self.cars[load.id].power_w = float(change["real_power"])
            self.loads[load.id] = replace(load, **updates)

    def physical_loads(self) -> tuple[Load, ...]:
        """The loads as the meters see them: each draws what it was last commanded."""
        result: list[Load] = []
        for load_id, load in self.loads.items():
            command = self.states.get(load_id, LoadState()).command_a
            car = self.cars[load_id]
            if isinstance(load, Evse):
                draws = load.session.takes_part and (
                    command > 0 or car.rogue_a is not None
                )
                told = command if car.rogue_a is None else car.rogue_a
                amps = min(told, car.car_max_a) if draws else 0.0
                line_a = tuple(
                    amps if index < car.car_lines else 0.0
                    for index in range(len(load.wired))
                )
                session = load.session
                if draws and session is Session.CONNECTED:
                    session = Session.CHARGING
                result.append(replace(load, line_a=line_a, session=session))
            else:
                on = command > 0
                measured = (
                    (car.power_w if on else 0.0)
                    if load.measured_w is not None
                    else None
                )
                result.append(replace(load, is_on=on, measured_w=measured))
        self.loads = {load.id: load for load in result}
        return tuple(result)

    def cycle(self, now: float, params: ControlParams) -> None:
        loads = self.physical_loads()
        draw = managed_draw(loads, self.site.voltage)
        grid: dict[Phase, float | None] = {}
        for phase in self.site.phases:
            amps = self.house.get(phase, 0.0) + draw.get(phase, 0.0)
            raw: Any = (
                "unavailable"
                if self.meter == "stale"
                else (-amps if self.invert else amps)
            )
            grid[phase] = normalise(raw, self.site.voltage, self.invert)
        # A frozen or silent meter keeps showing what it showed when it stopped.
        if self.meter in ("frozen", "silent"):
            grid = self.meter_held = self.meter_held or grid
        else:
            self.meter_held = {}
        if self.meter == "silent":
            if self.meter_silent_since is None:
                self.meter_silent_since = now
        else:
            self.meter_silent_since = None
        age = 0.0 if self.meter_silent_since is None else now - self.meter_silent_since
        snapshot = Snapshot(
            site=self.site,
            grid_a=grid,
            grid_age_s=dict.fromkeys(self.site.phases, age),
            loads=loads,
            site_mode=self.site_mode,
            distribution=self.distribution,
            solar_w=self.solar_w,
            solar_sensor=self.solar_sensor,
            battery=self.battery,
        )
        result = run_cycle(
            snapshot, self.states, now=now, params=params, meter=self.meter_state
        )
        self.states = dict(result.states)
        self.meter_state = result.meter
        self.last_plan = result.plan
        for load_id, command in result.commands.items():
            self.sends[load_id] = self.sends.get(load_id, 0) + command.send


def control_params(spec: Mapping[str, Any]) -> ControlParams:
    """Control parameters of a timeline: defaults overridden by its `params`."""
    return ControlParams(**dict(spec))

"""Run one day with one controller: the world, the meters (latency, noise, outages), the loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from custom_components.dynamic_ocpp_evse.engine.model import Phase

from .controllers import Controller
from .day import Day, load_chains
from .profiles import house_w, pv_w, times_s
from .world import World

METER_NOISE_A = 0.1

type Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Inputs:
    """The day's PV and house profiles, shared by every controller."""

    pv_w: Array
    house_w: Array  # (phases, steps)

    @classmethod
    def of(cls, day: Day) -> Inputs:
        """The profiles of a day (reproducible from its seed)."""
        rng = np.random.default_rng(day.seed)
        return cls(pv_w=pv_w(day, rng), house_w=house_w(day, rng))


@dataclass(slots=True)
class Trace:
    """Everything that happened, step by step."""

    day: Day
    controller: str
    t: Array
    grid_a: Array  # (phases, steps), + import
    pv_w: Array
    house_w: Array
    battery_w: Array
    soc: Array
    managed_a: Array  # (phases, steps): what the managed loads drew on each phase
    load_a: dict[str, Array]  # per load: current per line it drew
    load_w: dict[str, Array]  # per load: power it drew
    commands: dict[str, Array]  # per load: the command in force
    car_open: Array  # 1 while a car was plugged in and not full
    # Per load: 1 while it wants energy (a car there and not full).
    wanting: dict[str, Array]
    group_a: dict[str, Array]  # per circuit group: (phases, steps), what its loads drew
    writes: dict[str, int] = field(default_factory=dict)
    plugged_s: dict[str, float] = field(
        default_factory=dict
    )  # per charger: a car there
    delivered_kwh: dict[str, float] = field(default_factory=dict)  # per car
    tank_c: dict[str, Array] = field(default_factory=dict)  # per tank: its temperature
    room_c: dict[str, Array] = field(default_factory=dict)  # per heat pump: its house's
    # Per heat pump: what it drew after a boost that started it had ended (house load).
    run_on_w: dict[str, Array] = field(default_factory=dict)


def simulate(
    day: Day, make: Callable[[Day], Controller], inputs: Inputs | None = None
) -> Trace:
    """Run a whole day in closed loop."""
    inputs = inputs or Inputs.of(day)
    world = World(day, inputs.pv_w, inputs.house_w)
    controller = make(day)
    noise = np.random.default_rng(day.seed + 1)
    steps = len(times_s(day))
    phases = len(day.phases)
    ids = [c.id for c in day.chargers] + [p.id for p in day.plugs]
    trace = Trace(
        day=day,
        controller=controller.name,
        t=times_s(day),
        grid_a=np.zeros((phases, steps)),
        pv_w=np.zeros(steps),
        house_w=np.zeros((phases, steps)),
        battery_w=np.zeros(steps),
        soc=np.zeros(steps),
        managed_a=np.zeros((phases, steps)),
        load_a={i: np.zeros(steps) for i in ids},
        load_w={i: np.zeros(steps) for i in ids},
        commands={i: np.zeros(steps) for i in ids},
        car_open=np.zeros(steps),
        wanting={i: np.ones(steps) for i in ids},
        group_a={g.id: np.zeros((phases, steps)) for g in day.groups},
        writes=dict.fromkeys(ids, 0),
        tank_c={p.id: np.zeros(steps) for p in day.plugs if p.tank is not None},
        room_c={p.id: np.zeros(steps) for p in day.plugs if p.heat_pump is not None},
        run_on_w={p.id: np.zeros(steps) for p in day.plugs if p.heat_pump is not None},
    )
    wiring = {c.id: c.wired for c in day.chargers}
    chains = load_chains(day)
    plug_phase = {p.id: p.phase for p in day.plugs}
    commands: dict[str, float] = {}
    next_decision = float(trace.t[0])
    seen = None
    held: dict[Phase, float | None] | None = None
    for index in range(steps):
        reading = world.step(index)
        for charger in wiring:
            trace.wanting[charger][index] = 0.0
        t = reading.t
        if seen is not None and t >= next_decision:  # the meters are read one step late
            outage = any(
                s * 3600 <= t < s * 3600 + m * 60 for s, m in day.meter_outages
            )
            grid = {
                p: None if outage else v + float(noise.normal(0, METER_NOISE_A))
                for p, v in seen.grid_a.items()
            }
            silent_since = next(
                (
                    s * 3600
                    for s, m in day.meter_silences
                    if s * 3600 <= t < s * 3600 + m * 60
                ),
                None,
            )
            if silent_since is None:
                held = None
            else:  # the last reading before the silence stays
                held = held or grid
                grid = held
            age = 0.0 if silent_since is None else t - silent_since
            commands, written = controller.decide(seen, grid, age)
            world.command(t, commands)
            for load_id in written:
                trace.writes[load_id] += 1
            next_decision += controller.period_s
        seen = reading
        for i, phase in enumerate(day.phases):
            trace.grid_a[i, index] = reading.grid_a[phase]
            trace.house_w[i, index] = reading.house_w[phase]
        trace.pv_w[index] = reading.pv_w
        trace.battery_w[index] = reading.battery_w
        trace.soc[index] = reading.soc
        for load_id in ids:
            trace.commands[load_id][index] = commands.get(load_id, 0.0)
        for charger, (_there, full, line_a) in reading.cars.items():
            trace.plugged_s[charger] = trace.plugged_s.get(charger, 0.0) + day.step_s
            trace.load_a[charger][index] = max(line_a, default=0.0)
            trace.load_w[charger][index] = sum(line_a) * day.voltage
            car = world.car_at(charger, t)
            # A car that ignores its limits is the house's doing, not the controller's.
            for phase, amps in zip(wiring[charger], line_a, strict=False):
                for group in chains[charger]:
                    trace.group_a[group][day.phases.index(phase), index] += amps
                if car is None or not car.car.rogue:
                    trace.managed_a[day.phases.index(phase), index] += amps
            if not full:
                trace.car_open[index] = 1.0
                trace.wanting[charger][index] = 1.0
        for plug_id, celsius in reading.tanks.items():
            trace.tank_c[plug_id][index] = celsius
        for plug_id, celsius in reading.rooms.items():
            trace.room_c[plug_id][index] = celsius
            trace.run_on_w[plug_id][index] = world.plugs[plug_id].run_on_w
        for plug_id, (_on, watts) in reading.plugs.items():
            # A device that has its energy is not stopped by switching it off.
            if world.plugs[plug_id].full:
                trace.wanting[plug_id][index] = 0.0
            trace.load_w[plug_id][index] = watts
            trace.load_a[plug_id][index] = watts / day.voltage
            if plug_phase[plug_id] in day.phases:
                row = day.phases.index(plug_phase[plug_id])
                trace.managed_a[row, index] += watts / day.voltage
                for group in chains[plug_id]:
                    trace.group_a[group][row, index] += watts / day.voltage
    for car in world.cars:
        trace.delivered_kwh[car.car.id] = car.delivered_kwh
    return trace

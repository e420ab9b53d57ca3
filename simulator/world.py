"""The physical site: house, PV, a home battery with its own controller, cars and plugs.

Each step the world applies the controller's commands (chargers with a reaction delay and 1 A
granularity, cars that refuse less than 6 A) and reports what the meters read: grid current per
phase *including* every managed load's own draw, like a real meter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math

import numpy as np
import numpy.typing as npt

from custom_components.dynamic_ocpp_evse.engine.model import Phase

from .day import Car, Day, PlugSpec

CAR_REACTION_S = 10.0  # a charger and car take this long to follow a new limit
CAR_MIN_A = 6.0  # below this a car does not charge at all
BATTERY_MIN_SOC = 10.0


@dataclass(slots=True)
class CarState:
    """A car at its charger."""

    car: Car
    lines: tuple[Phase, ...]  # the site phases it draws on
    delivered_kwh: float = 0.0
    limit_a: float = 0.0  # the limit the car follows now
    pending: list[tuple[float, float]] = field(default_factory=list)  # (from t, limit)
    draw_a: float = 0.0

    def connected(self, t: float) -> bool:
        """Whether the car is plugged in at time t."""
        return self.car.arrive_h * 3600 <= t < self.car.leave_h * 3600

    @property
    def full(self) -> bool:
        """Whether the car has what it needs."""
        return self.delivered_kwh >= self.car.need_kwh


@dataclass(slots=True)
class PlugState:
    """A switched load with a thermostat: it stops drawing once its energy is delivered."""

    plug: PlugSpec
    on: bool = False
    delivered_kwh: float = 0.0

    @property
    def full(self) -> bool:
        """Whether its energy is delivered (its thermostat has stopped it)."""
        return self.delivered_kwh >= self.plug.need_kwh

    @property
    def draw_w(self) -> float:
        """What the load draws now."""
        return self.plug.power_w if self.on and not self.full else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """What the meters and loads report at one step."""

    t: float
    grid_a: dict[Phase, float]
    pv_w: float
    house_w: dict[Phase, float]
    battery_w: float  # + discharge
    soc: float
    cars: dict[
        str, tuple[bool, bool, tuple[float, ...]]
    ]  # charger -> (car there, full, line A)
    plugs: dict[str, tuple[bool, float]]  # plug -> (on, W)


class World:
    """The site, stepped in time."""

    def __init__(
        self,
        day: Day,
        pv_w: npt.NDArray[np.float64],
        house_w: npt.NDArray[np.float64],
    ) -> None:
        """A site as the day describes it, with its PV and house profiles."""
        self.day = day
        self._pv = pv_w
        self._house = house_w
        self.soc = day.battery_soc
        chargers = {c.id: c for c in day.chargers}
        self.cars = [
            CarState(car=car, lines=chargers[car.charger].wired[: car.phases])
            for car in day.cars
        ]
        self.plugs = {plug.id: PlugState(plug) for plug in day.plugs}

    def car_at(self, charger: str, t: float) -> CarState | None:
        """The car plugged into a charger at time t."""
        return next(
            (c for c in self.cars if c.car.charger == charger and c.connected(t)), None
        )

    def command(self, t: float, commands: dict[str, float]) -> None:
        """Hand the controller's commands to the loads (chargers react after a delay)."""
        for load_id, value in commands.items():
            if load_id in self.plugs:
                self.plugs[load_id].on = value > 0
                continue
            car = self.car_at(load_id, t)
            if car is not None:
                car.pending.append((t + CAR_REACTION_S, value))

    def step(self, index: int) -> Reading:
        """Advance one step and read the meters."""
        day = self.day
        t = day.start_h * 3600 + index * day.step_s
        hours = day.step_s / 3600.0
        load = {p: float(self._house[i, index]) for i, p in enumerate(day.phases)}
        house = dict(load)
        cars: dict[str, tuple[bool, bool, tuple[float, ...]]] = {}
        for car in self.cars:
            if not car.connected(t):
                continue
            while car.pending and car.pending[0][0] <= t:
                car.limit_a = car.pending.pop(0)[1]
            step = car.car.step_a
            granted = (
                car.car.max_a
                if car.car.rogue
                else math.floor(car.limit_a / step + 1e-9) * step  # its resolution
            )
            car.draw_a = (
                0.0 if car.full or granted < CAR_MIN_A else min(granted, car.car.max_a)
            )
            for phase in car.lines:
                load[phase] += car.draw_a * day.voltage
            car.delivered_kwh += (
                car.draw_a * day.voltage * len(car.lines) * hours / 1000
            )
            charger = next(c for c in day.chargers if c.id == car.car.charger)
            line_a = tuple(
                car.draw_a if i < len(car.lines) else 0.0
                for i in range(len(charger.wired))
            )
            cars[car.car.charger] = (True, car.full, line_a)
        plugs: dict[str, tuple[bool, float]] = {}
        for plug_id, plug in self.plugs.items():
            draw = plug.draw_w
            if plug.plug.phase in load:
                load[plug.plug.phase] += draw
            plug.delivered_kwh += draw * hours / 1000
            plugs[plug_id] = (plug.on, draw)
        pv = float(self._pv[index])
        battery = self._battery(sum(load.values()) - pv, hours)
        share = (pv + battery) / len(day.phases)  # a symmetric inverter
        grid = {p: (w - share) / day.voltage for p, w in load.items()}
        return Reading(
            t=t,
            grid_a=grid,
            pv_w=pv,
            house_w=house,
            battery_w=battery,
            soc=self.soc,
            cars=cars,
            plugs=plugs,
        )

    def _battery(self, net_w: float, hours: float) -> float:
        """The battery's own controller: cover import, store export, within power and SOC."""
        day = self.day
        if day.battery_kwh <= 0:
            return 0.0
        watts_per_percent = (
            day.battery_kwh * 1000 / 100 / hours
        )  # W for one step per % SOC
        room_in = (100.0 - self.soc) * watts_per_percent
        room_out = max(self.soc - BATTERY_MIN_SOC, 0.0) * watts_per_percent
        limit = day.battery_kw * 1000
        power = max(-min(limit, room_in), min(limit, room_out, net_w))
        self.soc -= power / watts_per_percent
        return power

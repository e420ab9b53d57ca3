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
from .heat_pump import HeatedHouse

CAR_REACTION_S = 10.0  # a charger and car take this long to follow a new limit
CAR_MIN_A = 6.0  # below this a car does not charge at all
ROOM_C = 20.0
COLD_WATER_C = 10.0
WATER_J_PER_LITRE_K = 4186.0
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
    """A switched load with a thermostat: it stops drawing once its energy is delivered.

    With a tank it is a boost element instead: it heats the tank while on, up to the tank's
    cut-out; the tank's own element keeps its normal level (house load). With a heat pump, on
    raises its set-point by the boost offset; what it draws at the user's set-point is house load.
    """

    plug: PlugSpec
    on: bool = False
    delivered_kwh: float = 0.0
    temp_c: float = 0.0
    own_on: bool = False  # the tank's own element
    own_kwh: float = 0.0
    draw_w: float = 0.0  # what the boost drew in the last step
    own_w: float = 0.0  # what the tank's own element drew in the last step
    house: HeatedHouse | None = None  # the house a heat pump heats
    # Of `own_w`: a heat pump's run that a boost started, going on after it ended.
    run_on_w: float = 0.0

    def __post_init__(self) -> None:
        """A tank starts at its start temperature, a heated house at its own."""
        if self.plug.tank is not None:
            self.temp_c = self.plug.tank.start_c
        if self.plug.heat_pump is not None:
            self.house = HeatedHouse(self.plug.heat_pump)
            self.temp_c = self.house.room_c

    @property
    def full(self) -> bool:
        """Whether it cannot take more: delivered, at its tank's cut-out, or boosted to its stop.

        A heat pump's house is full where its thermostat stops a boost.
        """
        tank = self.plug.tank
        if tank is not None:
            return self.temp_c >= tank.max_c
        if self.house is not None:
            return self.house.room_c >= self.house.stop_c(boosting=True)
        return self.delivered_kwh >= self.plug.need_kwh

    def advance(self, t: float, step_s: float) -> None:
        """One step: what it draws, and for a tank or house the heat it takes in and loses."""
        power = self.plug.power_w
        if self.house is not None:
            drawn_w = self.house.advance(t / 3600, power, step_s, boosting=self.on)
            self.temp_c = self.house.room_c
            self.draw_w, self.own_w = (drawn_w, 0.0) if self.on else (0.0, drawn_w)
            self.run_on_w = self.own_w if self.house.running_on else 0.0
            self.delivered_kwh += self.draw_w * step_s / 3.6e6
            self.own_kwh += self.own_w * step_s / 3.6e6
            return
        self.draw_w = power if self.on and not self.full else 0.0
        self.delivered_kwh += self.draw_w * step_s / 3.6e6
        tank = self.plug.tank
        if tank is None:
            return
        if self.temp_c < tank.normal_c - 2.0:
            self.own_on = True
        elif self.temp_c >= tank.normal_c:
            self.own_on = False
        self.own_w = power if self.own_on and not self.draw_w else 0.0
        self.own_kwh += self.own_w * step_s / 3.6e6
        loss_w = tank.loss_w_per_k * (self.temp_c - ROOM_C)
        joules = (self.draw_w + self.own_w - loss_w) * step_s
        self.temp_c += joules / (tank.litres * WATER_J_PER_LITRE_K)
        for hour, litres in tank.draws:
            if t <= hour * 3600 < t + step_s:
                self.temp_c -= litres / tank.litres * (self.temp_c - COLD_WATER_C)


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
    tanks: dict[str, float] = field(default_factory=dict)  # plug -> its tank's °C
    rooms: dict[str, float] = field(default_factory=dict)  # plug -> its house's °C

    def store_c(self, plug_id: str) -> float | None:
        """The temperature of the tank or house a thermal plug heats (None: not known)."""
        return self.tanks.get(plug_id, self.rooms.get(plug_id))


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
        tanks: dict[str, float] = {}
        rooms: dict[str, float] = {}
        for plug_id, plug in self.plugs.items():
            plug.advance(t, day.step_s)
            if plug.plug.phase in load:
                load[plug.plug.phase] += plug.draw_w + plug.own_w
                house[plug.plug.phase] += plug.own_w  # its own heating: the house's
            plugs[plug_id] = (plug.on, plug.draw_w)
            if plug.plug.tank is not None:
                tanks[plug_id] = plug.temp_c
            if plug.house is not None:
                rooms[plug_id] = plug.house.room_c
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
            tanks=tanks,
            rooms=rooms,
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

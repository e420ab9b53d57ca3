"""A simulated house for the demo: grid meters per phase, solar, two plugs, a tank, a charger.

A day lasts 20 minutes: solar rises and sets (with passing clouds), the house load has a
morning and an evening peak and an oven on L1 at dinner time. A 1-phase car (it starts on
1.4 kW of sun) arrives at 8:30 and leaves at 17:30, plugged into the project's reference
charger, which connects to the integration's own OCPP server (the charger a user would have).
A 150 l hot-water tank on L3 keeps 45 °C with its own 2 kW element (hot water is drawn morning
and evening) and can be boosted by raising its set-point. The grid meters report the house,
minus the solar, plus whatever the plugs, the tank and the car draw, every 5 seconds, like a real
meter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
import os
import random

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from simulator.charge_point import Car, ReferenceCharger, StationSpec

DOMAIN = "demo_house"
DAY_S = 20 * 60  # one simulated day
SPEED = 24 * 3600 / DAY_S  # simulated seconds per real second (72)
SITE_DOMAIN = "dynamic_ocpp_evse"


def _start_hour(text: str) -> float:
    """DEMO_START ("11:30") as hours; 6:00 when unset."""
    hours, _, minutes = text.partition(":")
    return int(hours) + int(minutes or 0) / 60


START_HOUR = _start_hour(os.environ.get("DEMO_START") or "6:00")
VOLTAGE = 230.0
PV_PEAK_W = 9000.0
PLUGS = {"boiler": ("Boiler", "A", 2300.0), "pool_pump": ("Pool pump", "B", 1150.0)}
CHARGER_ID = "DEMO-CP"
CHARGER_PASSWORD = "demo-charger-key"  # noqa: S105 - the demo's own, on 127.0.0.1
OCPP_PORT = int(os.environ.get("DEMO_OCPP_PORT", "9010"))
CAR_HOURS = (8.5, 17.5)  # arrives, leaves
TANK_W = 2000.0
TANK_LITRES = 150.0
TANK_DRAWS = (
    (6.5, 60.0),
    (19.5, 70.0),
)  # (hour, litres of hot water replaced by 10 °C)
SIM_S_PER_TICK = 5 * 24 * 3600 / DAY_S  # simulated seconds in a 5 s tick


@dataclass
class Tank:
    """A hot-water tank: its thermostat heats it to the set-point (2 K band)."""

    setpoint_c: float = 45.0
    temperature_c: float = 44.0
    heating: bool = False

    def step(self, hour_before: float, hour: float) -> None:
        """One tick of simulated time: heat, standing loss, hot water drawn.

        The element heats up to the set-point and no further; heat already stored stays when
        the set-point comes down again (after a boost the tank cools only by its standing loss
        and the hot water drawn).
        """
        if self.temperature_c < self.setpoint_c - 2:
            self.heating = True
        elif self.temperature_c >= self.setpoint_c:
            self.heating = False
        joules_per_k = TANK_LITRES * 4186
        lost = 1.5 * (self.temperature_c - 20) * SIM_S_PER_TICK / joules_per_k
        self.temperature_c -= lost
        if self.heating:
            gained = TANK_W * SIM_S_PER_TICK / joules_per_k
            self.temperature_c = min(self.temperature_c + gained, self.setpoint_c)
        for at, litres in TANK_DRAWS:
            if hour_before <= at < hour:
                self.temperature_c -= litres / TANK_LITRES * (self.temperature_c - 10)


@dataclass
class DemoHouse:
    """The state of the simulated house."""

    started: datetime = field(default_factory=dt_util.utcnow)
    plugs_on: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(PLUGS, False)
    )
    cloud: float = 1.0
    tank: Tank = field(default_factory=Tank)
    last_hour: float = START_HOUR
    listeners: list[Callable[[], None]] = field(default_factory=list)
    charger: ReferenceCharger = field(
        default_factory=lambda: ReferenceCharger(
            StationSpec(cp_id=CHARGER_ID, max_current_a=16.0, ocpp_version="2.0.1"),
            f"ws://127.0.0.1:{OCPP_PORT}",
            dt_util.utcnow,
            password=CHARGER_PASSWORD,
        )
    )

    def hour(self, now: datetime) -> float:
        """The simulated time of day, 0-24."""
        elapsed = (now - self.started).total_seconds() % DAY_S
        return (elapsed / DAY_S * 24 + START_HOUR) % 24

    def solar_w(self, now: datetime) -> float:
        """Solar production: a 14-hour arc, dimmed by clouds."""
        hour = self.hour(now) % 24
        if not 6 <= hour <= 20:
            return 0.0
        return PV_PEAK_W * math.sin(math.pi * (hour - 6) / 14) * self.cloud

    def house_w(self, now: datetime) -> dict[str, float]:
        """House load per phase: morning and evening peaks, an oven at dinner."""
        hour = self.hour(now) % 24
        base = (
            250
            + 400 * math.exp(-(((hour - 7.5) / 1.2) ** 2))
            + 700 * math.exp(-(((hour - 19) / 2) ** 2))
        )
        loads = {"A": base, "B": base * 0.8, "C": base * 0.6}
        if 18 <= hour <= 19.2:
            loads["A"] += 2500  # the oven
        return loads

    def grid_a(self, now: datetime) -> dict[str, float]:
        """What each grid meter reads: house plus plugs, minus solar (spread evenly)."""
        loads = self.house_w(now)
        for key, (_name, phase, power) in PLUGS.items():
            if self.plugs_on[key]:
                loads[phase] += power
        if self.tank.heating:
            loads["C"] += TANK_W
        for phase, amps in zip("ABC", self.charger.draw(1), strict=True):
            loads[phase] += amps * VOLTAGE
        solar_per_phase = self.solar_w(now) / 3
        return {
            phase: (watts - solar_per_phase) / VOLTAGE for phase, watts in loads.items()
        }

    @callback
    def tick(self, now: datetime) -> None:
        """Every 5 s: clouds drift (small random steps), every entity reports."""
        self.cloud = min(1.0, max(0.4, self.cloud + random.uniform(-0.05, 0.05)))  # noqa: S311
        arrives, leaves = CAR_HOURS
        here = arrives <= self.hour(now) % 24 < leaves
        plugged = self.charger.connectors[1].car is not None
        if here and not plugged:
            self.charger.plug_in(1, Car(phases=1, max_a=16.0))
        elif plugged and not here:
            self.charger.unplug(1)
        hour = self.hour(now) % 24
        self.tank.step(self.last_hour, hour if hour >= self.last_hour else hour + 24)
        self.last_hour = hour
        self.tick_now()

    @callback
    def tick_now(self) -> None:
        """Every entity reports its state now."""
        for listener in self.listeners:
            listener()


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the simulation and its entities."""
    house = DemoHouse()
    hass.data[DOMAIN] = house
    for platform in (Platform.SENSOR, Platform.SWITCH, Platform.WATER_HEATER):
        hass.async_create_task(async_load_platform(hass, platform, DOMAIN, {}, config))
    async_track_time_interval(hass, house.tick, timedelta(seconds=5))

    @callback
    def speed_up_control(_now: datetime) -> None:
        """The site's world runs at the house's speed, set again after each reload.

        Its waits on the sun, the car and the user and its energy count follow the simulated
        clock; its watch over the meters and the devices' timing stay in real seconds.
        """
        for entry in hass.config_entries.async_entries(SITE_DOMAIN):
            coordinator = getattr(
                getattr(entry, "runtime_data", None), "coordinator", None
            )
            if coordinator is not None and coordinator.speed != SPEED:
                coordinator.speed = SPEED

    async_track_time_interval(hass, speed_up_control, timedelta(seconds=1))
    # The charger keeps trying to connect until the site lets it in (onboarding adds it).
    hass.async_create_background_task(house.charger.run(), "demo charger")
    return True

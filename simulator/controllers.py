"""The controllers compared on the same day: ours, a naive follower and an evcc-style one.

Each sees the meters one step late (latency), with noise and outages, and returns a current per
charger (0 = stopped) and per plug (> 0 = on), and which of them it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from typing import Protocol

from custom_components.dynamic_ocpp_evse.engine.boost import BoostBand
from custom_components.dynamic_ocpp_evse.engine.cycle import run_cycle
from custom_components.dynamic_ocpp_evse.engine.meter import MeterState
from custom_components.dynamic_ocpp_evse.engine.model import (
    Battery,
    Evse,
    Inverter,
    Load,
    Mode,
    ModeSetting,
    Phase,
    Session,
    Site,
    Snapshot,
    Switched,
)
from custom_components.dynamic_ocpp_evse.engine.state import ControlParams, LoadState
from custom_components.dynamic_ocpp_evse.engine.units import grid_current

from .day import Day, load_chains
from .world import Reading

PROFILE_VALIDITY_S = 180.0  # a charger's working profile, as the integration's default

type Decision = tuple[dict[str, float], set[str]]  # commands, and the loads written to


class Controller(Protocol):
    """Decides every `period_s` seconds from what the meters showed."""

    name: str
    period_s: float

    def decide(
        self, seen: Reading, grid: dict[Phase, float | None], age_s: float = 0.0
    ) -> Decision:
        """Commands for every load, and which were written this time.

        `age_s`: how long ago the grid meter last reported (its reading may be one it kept).
        """


def _session(seen: Reading, charger: str) -> tuple[Session, tuple[float, ...]]:
    there, full, line_a = seen.cars.get(charger, (False, False, ()))
    if not there:
        return Session.NO_CAR, line_a
    if full:
        return Session.FINISHED, line_a
    return (
        Session.CHARGING if any(a >= 1 for a in line_a) else Session.CONNECTED
    ), line_a


def _mode(day: Day, setting: str) -> Mode:
    return ModeSetting(setting).resolve(day.mode)


@dataclass
class Ours:
    """The integration's engine and control, exactly as Home Assistant runs them."""

    day: Day
    name: str = "ours"
    period_s: float = 5.0
    states: dict[str, LoadState] = field(default_factory=dict)
    params: ControlParams = field(default_factory=ControlParams)
    meter: MeterState = field(default_factory=MeterState)
    bands: dict[str, BoostBand] = field(default_factory=dict)  # per tank or heat pump

    def decide(
        self, seen: Reading, grid: dict[Phase, float | None], age_s: float = 0.0
    ) -> Decision:
        """Commands for every load from what the meters showed."""
        day = self.day
        loads: list[Load] = []
        for charger in day.chargers:
            session, line_a = _session(seen, charger.id)
            loads.append(
                Evse(
                    id=charger.id,
                    wired=charger.wired,
                    min_a=charger.min_a,
                    max_a=charger.max_a,
                    failsafe_a=charger.min_a,
                    line_a=line_a,
                    session=session,
                    mode=ModeSetting(charger.mode),
                    priority=charger.priority,
                    group=charger.group,
                    command_lifetime_s=PROFILE_VALIDITY_S,
                    # The resolution the charger applies (configured per charger).
                    current_step_a=next(
                        (c.step_a for c in day.cars if c.charger == charger.id), 0.0
                    ),
                )
            )
        for plug in day.plugs:
            on, watts = seen.plugs[plug.id]
            mode = ModeSetting(plug.mode)
            boost_band = plug.boost_band
            if boost_band is not None:  # as the thermal kind reads it
                band = self.bands.setdefault(plug.id, BoostBand(*boost_band))
                if not band.wants(seen.store_c(plug.id)):
                    mode = ModeSetting.OFF
            loads.append(
                Switched(
                    id=plug.id,
                    wired=(plug.phase,),
                    power_w=plug.power_w,
                    is_on=on,
                    measured_w=watts if on else None,
                    thermal=boost_band is not None,
                    mode=mode,
                    priority=plug.priority,
                    group=plug.group,
                )
            )
        snapshot = Snapshot(
            site=Site(
                phases=day.phases,
                voltage=day.voltage,
                breaker_a=day.breaker_a,
                breaker_type=day.breaker_type,
                max_import_w=day.max_import_w,
                excess_threshold_w=day.excess_threshold_w,
                groups=day.groups,
                inverter=Inverter(max_power_w=day.inverter_w)
                if day.inverter_w is not None
                else None,
            ),
            # The raw readings go through the same normalisation as in Home Assistant.
            grid_a={
                p: grid_current(v, "A", voltage=day.voltage) for p, v in grid.items()
            },
            grid_age_s=dict.fromkeys(grid, age_s),
            loads=tuple(loads),
            site_mode=day.mode,
            distribution=day.distribution,
            solar_w=seen.pv_w if day.solar_sensor else None,
            solar_sensor=day.solar_sensor,
            battery=Battery(
                soc=seen.soc,
                power_w=seen.battery_w,
                target_soc=day.battery_target_soc,
                support_soc=day.battery_support_soc,
            )
            if day.battery_kwh > 0
            else None,
        )
        result = run_cycle(
            snapshot, self.states, now=seen.t, params=self.params, meter=self.meter
        )
        self.states, self.meter = dict(result.states), result.meter
        commands = {i: c.current_a for i, c in result.commands.items()}
        return commands, {i for i, c in result.commands.items() if c.send}


@dataclass
class Naive:
    """Every cycle: own draw + surplus / (V x site phases), clamped to [min, max]. No delays."""

    day: Day
    name: str = "naive"
    period_s: float = 5.0
    last: dict[str, float] = field(default_factory=dict)

    def decide(
        self, seen: Reading, grid: dict[Phase, float | None], age_s: float = 0.0
    ) -> Decision:
        """Commands for every load from what the meters showed."""
        day = self.day
        if any(v is None for v in grid.values()):
            return dict(self.last), set()  # it keeps its last commands when blind
        surplus = -sum(v or 0.0 for v in grid.values()) * day.voltage
        commands: dict[str, float] = {}
        for charger in day.chargers:
            session, line_a = _session(seen, charger.id)
            if session in (Session.NO_CAR, Session.FINISHED):
                commands[charger.id] = 0.0
                continue
            wanted = max(line_a, default=0.0) + surplus / (
                day.voltage * len(day.phases)
            )
            commands[charger.id] = min(max(wanted, charger.min_a), charger.max_a)
        for plug in day.plugs:
            on, watts = seen.plugs[plug.id]
            commands[plug.id] = (
                1.0 if watts + surplus >= plug.power_w or (on and surplus >= 0) else 0.0
            )
        self.last = commands
        return commands, set(commands)  # it writes every charger every cycle


@dataclass
class _EvccLoad:
    current: float = 0.0
    enabled: bool = False
    timer: float | None = None


@dataclass
class EvccStyle:
    """The reference open-source controller's public behaviour (docs/design.md §10).

    A 30 s cycle that re-regulates one load per tick in turn; PV start after 1 min, stop after
    3 min holding the minimum; min+PV never below the minimum; circuit headroom, circuit groups
    and the import cap first come first served, 1-phase loads assumed on L1.
    """

    day: Day
    name: str = "evcc-style"
    period_s: float = 30.0
    turn: int = 0
    loads: dict[str, _EvccLoad] = field(default_factory=dict)

    def decide(
        self, seen: Reading, grid: dict[Phase, float | None], age_s: float = 0.0
    ) -> Decision:
        """Commands for every load from what the meters showed."""
        day = self.day
        ids = [c.id for c in day.chargers] + [p.id for p in day.plugs]
        for load_id in ids:
            self.loads.setdefault(load_id, _EvccLoad())
        if any(v is None for v in grid.values()) or not ids:
            return {i: s.current for i, s in self.loads.items()}, set()
        load_id = ids[self.turn % len(ids)]
        self.turn += 1
        before = self.loads[load_id].current
        self._regulate(load_id, seen, grid)
        written = {load_id} if self.loads[load_id].current != before else set()
        return {i: s.current for i, s in self.loads.items()}, written

    def _regulate(
        self, load_id: str, seen: Reading, grid: dict[Phase, float | None]
    ) -> None:
        day = self.day
        state = self.loads[load_id]
        charger = next((c for c in day.chargers if c.id == load_id), None)
        if charger is not None:
            session, line_a = _session(seen, load_id)
            if session in (Session.NO_CAR, Session.FINISHED):
                state.current, state.enabled, state.timer = 0.0, False, None
                return
            active = sum(1 for a in line_a if a >= 1) or len(charger.wired)
            minimum, maximum, mode = (
                charger.min_a,
                charger.max_a,
                _mode(day, charger.mode),
            )
            phases = (
                charger.wired[:active] if active > 1 else (day.phases[0],)
            )  # 1-phase: "L1"
        else:
            plug = next(p for p in day.plugs if p.id == load_id)
            active = 1
            minimum = maximum = plug.power_w / day.voltage
            mode = _mode(day, plug.mode)
            phases = (day.phases[0],)
        surplus = -(sum(v or 0.0 for v in grid.values()) * day.voltage + seen.battery_w)
        if mode is Mode.EXCESS:
            surplus -= day.excess_threshold_w
        target = state.current + surplus / (230.0 * active)
        now = seen.t
        if mode is Mode.OFF:
            wanted = 0.0
        elif mode is Mode.STANDARD:
            wanted = maximum
        elif mode is Mode.ECO:
            wanted = max(minimum, target)
        elif (
            not state.enabled
        ):  # PV: start after the target reached the minimum for 1 min
            state.timer = (
                (state.timer if state.timer is not None else now)
                if target >= minimum
                else None
            )
            state.enabled = state.timer is not None and now - state.timer >= 60
            wanted = max(target, minimum) if state.enabled else 0.0
            if state.enabled:
                state.timer = None
        elif (
            target < minimum
        ):  # stop after 3 min below the minimum, holding it meanwhile
            state.timer = state.timer if state.timer is not None else now
            state.enabled = now - state.timer < 180
            wanted = minimum if state.enabled else 0.0
            if not state.enabled:
                state.timer = None
        else:
            state.timer = None
            wanted = target
        # Load management: cap a request by the circuit's remaining headroom, first come first served.
        headroom = min(day.breaker_a - (grid[p] or 0.0) + state.current for p in phases)
        if day.max_import_w is not None:  # and the import cap, the same way
            import_w = sum(v or 0.0 for v in grid.values()) * day.voltage
            headroom = min(
                headroom,
                state.current + (day.max_import_w - import_w) / (day.voltage * active),
            )
        # A circuit group: its rating less what the other loads on it were given.
        chains = load_chains(day)
        for member_of in chains[load_id]:
            others = sum(
                self.loads[other].current
                for other, chain in chains.items()
                if other != load_id and member_of in chain
            )
            rating = next(g.rating_a for g in day.groups if g.id == member_of)
            headroom = min(headroom, rating - others)
        wanted = min(wanted, maximum, headroom)
        if wanted < minimum:
            wanted = 0.0
        state.current = float(math.floor(wanted)) if charger is not None else wanted

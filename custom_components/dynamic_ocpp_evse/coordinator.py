"""The site coordinator: the one control loop of a site.

Every cycle (a periodic tick, or soon after a meter or load changes) it reads the inputs into a
snapshot, runs the engine (allocate + control), pushes every command to its load concurrently,
and publishes the result for the entities. No entity computes anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
import math
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    Event,
    EventStateChangedData,
    HomeAssistant,
    callback,
)
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .central.server import CentralSystem
from .circuit_groups import Circuits
from .const import CONF_MODE, CONF_PRIORITY, DOMAIN, LOGGER, UPDATE_INTERVAL
from .control_store import ControlStore
from .dispatch import CALL_DEADLINE_S, Dispatcher, LoadHealth
from .engine.countdown import seconds_left
from .engine.cycle import run_cycle
from .engine.facts import group_use_a
from .engine.house import power_w
from .engine.meter import CHECK_STEP_A, MeterHealth, MeterState, MeterVerdict
from .engine.model import (
    ControlFlags,
    Evse,
    ModeSetting,
    Phase,
    Plan,
    Session,
    Snapshot,
)
from .engine.sources import Source, sources
from .engine.state import Command, ControlParams, LoadState
from .inputs import read_snapshot
from .issues import SITE_REPAIR_KEYS, Repair, SiteRepairs, forget_repairs
from .loads import KINDS, Driver, subentries_of
from .loads.kind import SiteContext
from .settings import LoadSettings, SettingsStore, UserSettings
from .site_config import SiteConfig

REFRESH_COOLDOWN_S = 1.0  # input changes within this time are handled by one cycle
# After a start, missing readings hold the commands this long before the safe state: the
# meters' own integrations may come up after this one.
STARTUP_GRACE_S = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CycleReport:
    """The outcome of one cycle, as the entities show it."""

    snapshot: Snapshot
    plan: Plan
    commands: Mapping[str, Command]
    health: Mapping[str, LoadHealth]
    settings: UserSettings
    figures: Mapping[str, Mapping[str, float | None]]  # per load, what its kind shows
    # Per load: whole seconds until it starts, stops or resumes by its timers (None: none).
    seconds_left: Mapping[str, int | None]
    power_w: Mapping[str, float | None]  # per load, what it draws now
    energy_kwh: Mapping[str, float]  # per load, what it drew since the site started
    group_names: Mapping[str, str]  # circuit group id → its name
    sources: Mapping[str, Source]  # what pays each load that draws
    group_use_a: Mapping[str, Mapping[Phase, float]]  # per circuit group and phase
    flags: Mapping[
        str, ControlFlags
    ]  # what the control let the engine do with each load


@dataclass(slots=True, kw_only=True)
class SiteRuntimeData:
    """Everything a loaded site entry owns."""

    coordinator: DynamicOcppEvseCoordinator


type SiteConfigEntry = ConfigEntry[SiteRuntimeData]


class DynamicOcppEvseCoordinator(DataUpdateCoordinator[CycleReport]):
    """Runs the control loop of one site."""

    config_entry: SiteConfigEntry

    def __init__(self, hass: HomeAssistant, entry: SiteConfigEntry) -> None:
        """Read the site's configuration; nothing runs until the first refresh."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=UPDATE_INTERVAL,
            always_update=False,
            request_refresh_debouncer=Debouncer(
                hass, LOGGER, cooldown=REFRESH_COOLDOWN_S, immediate=False
            ),
        )
        self.site = SiteConfig.from_data(entry.data)
        self.central = (
            CentralSystem(
                host=self.site.ocpp_host,
                port=self.site.ocpp_port,
                clock=dt_util.utcnow,
                changed=self._async_charger_reported,
                refused=self._async_charger_reported,
                tls=(self.site.ocpp_certfile, self.site.ocpp_keyfile)
                if self.site.ocpp_certfile and self.site.ocpp_keyfile
                else None,
            )
            if self.site.ocpp_port is not None
            else None
        )
        # The loads it was set up with (removed ones are told apart on reload).
        self.subentries = dict(entry.subentries)
        self.circuits = Circuits.of(entry)
        self._groups = [
            kind.group(
                hass,
                subentries_of(entry, kind),
                SiteContext(voltage=self.site.voltage, central=self.central),
            )
            for kind in KINDS
        ]
        self.drivers: dict[str, Driver] = {
            driver.id: driver for group in self._groups for driver in group.drivers
        }
        self.settings = UserSettings()
        self._store = SettingsStore(hass, entry.entry_id)
        self._params = ControlParams()
        # Seconds of the world per second of the clock: above 1 only in a simulation that runs
        # faster (the demo's day, 72). The control's waits on the sun and the user
        # (`ControlParams.faster`) and the energy counted follow the world; the meter's
        # staleness, the devices' timing and the dispatch stay in the clock's seconds. One
        # number rather than a second clock: the engine and the monotonic clock stay as they are.
        self.speed: float = 1.0
        self._states: dict[str, LoadState] = {}
        self._meter = MeterState()
        # Per load: the energy counted since start (kWh), the last power known and when.
        self._energy: dict[str, float] = {}
        self._powered: dict[str, tuple[float, float]] = {}
        self._control_store = ControlStore(hass, entry.entry_id)
        self._dispatcher = Dispatcher(
            {load_id: driver.actuator for load_id, driver in self.drivers.items()}
        )
        self._cycle_lock = asyncio.Lock()  # one cycle at a time, whatever triggers it
        self._health: dict[str, LoadHealth] = {}
        self._repairs = SiteRepairs(hass, entry.entry_id)
        self._meter_health = MeterHealth.LIVE
        self._watched: list[str] = []
        self._unwatch: CALLBACK_TYPE | None = None

    async def _async_setup(self) -> None:
        """Load the user's settings and follow every input entity."""
        settings = await self._store.async_load()
        for load_id in self.load_ids:
            if (
                load_id not in settings.loads
            ):  # a new load starts from its subentry's choices
                subentry = self.config_entry.subentries[load_id]
                settings = settings.with_load(
                    load_id,
                    mode=ModeSetting(
                        subentry.data.get(CONF_MODE, ModeSetting.FOLLOW_SITE)
                    ),
                    priority=int(subentry.data.get(CONF_PRIORITY, 1)),
                )
        self.settings = settings
        # The control carries on where it stopped: stops in the session, pauses, commands.
        restored = await self._control_store.async_load(
            wall=dt_util.utcnow().timestamp(), monotonic=time.monotonic()
        )
        self._states = {i: s for i, s in restored.items() if i in self.load_ids}
        self._meter = MeterState(grace_until=time.monotonic() + STARTUP_GRACE_S)
        for group in self._groups:
            for unsubscribe in group.async_listen():
                self.config_entry.async_on_unload(unsubscribe)
        self.config_entry.async_on_unload(self._async_stop_watching)
        self._async_watch_inputs()
        if self.central is not None:
            try:
                await self.central.start()
            except (OSError, ValueError) as err:
                raise ConfigEntryNotReady(
                    translation_domain=DOMAIN,
                    translation_key="ocpp_server_failed",
                    translation_placeholders={
                        "address": f"{self.site.ocpp_host}:{self.site.ocpp_port}",
                        "error": str(err),
                    },
                ) from err

    async def async_shutdown(self) -> None:
        """Stop the loop; the control's memory is written before the site goes.

        Loads removed from the site are let go first, while the site's server still runs.
        """
        await super().async_shutdown()
        removed = [
            driver.actuator
            for load_id, driver in self.drivers.items()
            if load_id not in self.config_entry.subentries
        ]
        if removed:  # a charger that does not answer in time keeps what it has
            _, late = await asyncio.wait(
                [asyncio.create_task(a.async_removed()) for a in removed],
                timeout=CALL_DEADLINE_S,
            )
            for task in late:
                task.cancel()
        if self.central is not None:
            await self.central.stop()
        await self._control_store.async_flush()

    @callback
    def _async_watch_inputs(self) -> None:
        """Follow every input entity; the chargers' entities may appear or change later."""
        watched = self._input_entities()
        if watched == self._watched:
            return
        self._async_stop_watching()
        self._watched = watched
        self._unwatch = async_track_state_change_event(
            self.hass, watched, self._async_input_changed
        )

    @callback
    def _async_stop_watching(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    @callback
    def _async_input_changed(self, _event: Event[EventStateChangedData]) -> None:
        """Run a cycle soon after an input changes (debounced)."""
        self._async_refresh_soon()

    @callback
    def _async_charger_reported(self, _cp_id: str) -> None:
        """A charger on the built-in server said something: a cycle soon, the same way."""
        self._async_refresh_soon()

    @callback
    def _async_refresh_soon(self) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), f"{DOMAIN} input changed"
        )

    async def _async_update_data(self) -> CycleReport:
        """One cycle: read, decide, command; never two at once."""
        async with self._cycle_lock:
            return await self._async_cycle()

    async def _async_cycle(self) -> CycleReport:
        now = dt_util.utcnow()
        self._async_watch_inputs()
        snapshot = self._read(now)
        if await self._async_end_overrides(snapshot):
            snapshot = self._read(now)  # without the overrides that ended
        # Control durations (delays, pauses, reaction times) run on a monotonic clock: a step
        # of the wall clock must neither shorten nor stretch them.
        monotonic = time.monotonic()
        params = self._params if self.speed == 1 else self._params.faster(self.speed)
        result = run_cycle(
            snapshot,
            self._states,
            now=monotonic,
            params=params,
            meter=self._meter,
        )
        self._states, self._meter = dict(result.states), result.meter
        self._control_store.schedule_save(
            self._states, wall=now.timestamp(), monotonic=time.monotonic()
        )
        health = await self._dispatcher.async_dispatch(
            result.commands, now=time.monotonic()
        )
        self._log_changes(result.verdict, health)
        power = {
            load.id: power_w(load, snapshot.site.voltage) for load in snapshot.loads
        }
        self._count_energy(power, monotonic)
        self._repairs.update(self._repairs_now(snapshot, result.verdict, health))
        return CycleReport(
            snapshot=snapshot,
            plan=result.plan,
            commands=result.commands,
            health=health,
            settings=self.settings,
            figures={
                load_id: driver.figures for load_id, driver in self.drivers.items()
            },
            power_w=power,
            energy_kwh=dict(self._energy),
            group_names=self.circuits.names,
            sources=sources(snapshot, result.plan),
            group_use_a=group_use_a(snapshot, result.plan),
            flags=result.flags,
            seconds_left={
                load.id: _whole(
                    seconds_left(
                        load,
                        result.states[load.id],
                        result.plan.allocations[load.id],
                        now=monotonic,
                        params=params,
                    )
                )
                for load in snapshot.loads
            },
        )

    def _read(self, now: datetime) -> Snapshot:
        return read_snapshot(
            self.hass,
            config=self.site,
            drivers=list(self.drivers.values()),
            settings=self.settings,
            circuits=self.circuits,
            now=now,
        )

    async def _async_end_overrides(self, snapshot: Snapshot) -> bool:
        """A charger's Start now or Stop now ends when its car leaves.

        Left means no car where one was seen (kept with the settings, so a restart in between
        does not lose it), on a connector whose status says so: the driver leaves the override
        out while the status is unknown or not one of a session (offline, faulted), and such a
        connector ends nothing. True when one ended.
        """
        settings = self.settings
        ended = False
        for load in snapshot.loads:
            if not isinstance(load, Evse):
                continue
            mine = settings.load(load.id)
            reporting = any(amps is not None for amps in load.line_a)
            if load.session is not Session.NO_CAR:
                if not mine.car_seen:
                    settings = settings.with_load(load.id, car_seen=True)
            elif reporting and mine.car_seen:
                gone = load.override is not None  # its status says: no car
                settings = settings.with_load(
                    load.id, car_seen=False, **({"override": None} if gone else {})
                )
                ended = ended or gone
        if settings != self.settings:
            self.settings = settings
            await self._store.async_save(settings)
        return ended

    def energy_kwh(self, load_id: str) -> float:
        """The energy a load drew since the site started (kWh)."""
        return self._energy.get(load_id, 0.0)

    def _count_energy(self, power: Mapping[str, float | None], now: float) -> None:
        """Each load's power since the last cycle, at what it was then; unknown adds none."""
        for load_id, watts in power.items():
            if (last := self._powered.pop(load_id, None)) is not None:
                drawn, since = last
                self._energy[load_id] = (
                    self.energy_kwh(load_id)
                    + drawn * (now - since) * self.speed / 3_600_000
                )
            if watts is not None:
                self._powered[load_id] = (watts, now)

    def _log_changes(
        self, meter: MeterVerdict, health: Mapping[str, LoadHealth]
    ) -> None:
        """One line per change of the meter's or a load's health, none while it stays."""
        if meter.health is not self._meter_health:
            LOGGER.info(
                "%s: grid meter %s (silent: %s, not following the loads: %s)",
                self.config_entry.title,
                {
                    MeterHealth.LIVE: "live again",
                    MeterHealth.HOLD: "late: nothing rises",
                    MeterHealth.BLIND: "not live: safe state",
                }[meter.health],
                ", ".join(sorted(meter.silent)) or "none",
                ", ".join(sorted(meter.not_following)) or "none",
            )
            self._meter_health = meter.health
        for load_id, state in health.items():
            if state is not self._health.get(load_id, LoadHealth.OK):
                LOGGER.info(
                    "%s: %s is %s",
                    self.config_entry.title,
                    self.config_entry.subentries[load_id].title,
                    state.value.replace("_", " "),
                )
        self._health = dict(health)

    def _repairs_now(
        self, snapshot: Snapshot, meter: MeterVerdict, health: Mapping[str, LoadHealth]
    ) -> list[Repair]:
        """Every repair issue the user can act on, raised or not."""
        title = self.config_entry.title
        meters = self.site.grid_meters
        missing = [e for e in self._input_entities() if self.hass.states.get(e) is None]
        ignoring = [
            self.config_entry.subentries[load_id].title
            for load_id, state in health.items()
            if state is LoadHealth.NOT_FOLLOWING
        ]
        running = self.hass.state is CoreState.running
        return [
            Repair(
                key="meter_stale",
                active=meter.health is MeterHealth.BLIND and bool(meter.silent),
                placeholders={
                    "site": title,
                    "entities": ", ".join(
                        self._meter_seen(snapshot, p) for p in sorted(meter.silent)
                    ),
                    "interval": f"{self.site.meter_interval_s:g}",
                },
                linger=True,
            ),
            Repair(
                key="meter_not_following",
                active=bool(meter.not_following),
                placeholders={
                    "site": title,
                    "entities": ", ".join(
                        meters[p] for p in sorted(meter.not_following)
                    ),
                    "amps": f"{CHECK_STEP_A:g}",
                },
                linger=True,
            ),
            Repair(
                key="settings_unreadable",
                active=self._store.unreadable,
                placeholders={"site": title},
            ),
            Repair(
                key="entity_missing",
                active=bool(missing) and running,
                placeholders={"site": title, "entities": ", ".join(missing)},
            ),
            *(repair for group in self._groups for repair in group.repairs(title)),
            Repair(
                key="not_following",
                active=bool(ignoring),
                placeholders={"site": title, "loads": ", ".join(ignoring)},
                linger=True,
            ),
        ]

    def _meter_seen(self, snapshot: Snapshot, phase: Phase) -> str:
        """A grid meter and what was seen of it: its state, or how old its reading is."""
        entity_id = self.site.grid_meters[phase]
        if snapshot.grid_a.get(phase) is None:
            state = self.hass.states.get(entity_id)
            return f"{entity_id} ({state.state if state else 'no such entity'})"
        age = snapshot.grid_age_s.get(phase, 0.0)
        return f"{entity_id} (last reported {age:.0f} s ago)"

    async def async_update_settings(self, settings: UserSettings) -> None:
        """Apply and save the user's new settings, and run a cycle with them at once."""
        self.settings = settings
        await self._store.async_save(settings)
        await self.async_refresh()

    async def async_set_load_settings(self, load_id: str, **changes: object) -> None:
        """Change one load's settings.

        A new mode or override ends a hand-switched plug's leave; a new mode ends an override.
        """
        if "mode" in changes or "override" in changes:
            self.drivers[load_id].actuator.release()
        if "mode" in changes:
            changes.setdefault("override", None)  # a new mode ends Start now / Stop now
        await self.async_update_settings(self.settings.with_load(load_id, **changes))

    def load_settings(self, load_id: str) -> LoadSettings:
        """One load's current settings."""
        return self.settings.load(load_id)

    @property
    def load_ids(self) -> list[str]:
        """Every load of the site (its subentry ids)."""
        return list(self.drivers)

    def _input_entities(self) -> list[str]:
        """Every entity a cycle reads."""
        loads = [e for driver in self.drivers.values() for e in driver.watched]
        return [*self.site.entities, *loads]


async def async_remove_site_data(hass: HomeAssistant, entry: SiteConfigEntry) -> None:
    """Forget a removed site: its settings file and its repair issues."""
    await SettingsStore(hass, entry.entry_id).async_remove()
    await ControlStore(hass, entry.entry_id).async_remove()
    forget_repairs(
        hass,
        entry.entry_id,
        (*SITE_REPAIR_KEYS, *(key for kind in KINDS for key in kind.repair_keys)),
    )


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else math.ceil(seconds)

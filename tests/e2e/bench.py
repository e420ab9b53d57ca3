"""The end-to-end test bench: Home Assistant with the real OCPP integration, reference chargers
that connect to it over a websocket on 127.0.0.1, a house behind grid meters, and our site,
all set up through the flows a user goes through.

Time is Home Assistant's frozen clock, moved one second at a time: each second the chargers
step (their cars react, they send what is due, they evaluate their profiles by their own clock,
which may be offset from Home Assistant's), the meters report the house plus every car, and the
time listeners fire.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
import socket
import threading
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from simulator.charge_point import Message, ReferenceCharger, StationSpec

METERS = {
    "A": "sensor.grid_current_l1",
    "B": "sensor.grid_current_l2",
    "C": "sensor.grid_current_l3",
}
REAL_HANDSHAKE_S = 5.0  # real time a websocket handshake gets
# Simulated seconds measured by the tests, printed after the run (see conftest).
TIMINGS: dict[str, list[float]] = {}
# What a user selects in the OCPP integration's measurand step for a load manager.
MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass
class Plugged:
    """A charger connector and the site phase each of its lines L1, L2, L3 is wired to."""

    charger: ReferenceCharger
    connector: int
    wiring: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """A charging profile as a charger received it."""

    connector: int
    id: int
    stack_level: int
    schedule: dict[str, Any]


@dataclass
class Bench:
    """Home Assistant, the OCPP integration, reference chargers, a house and our site."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    release: str
    port: int = field(default_factory=free_port)
    house: dict[str, float] = field(default_factory=lambda: dict.fromkeys(METERS, 2.0))
    lost_meters: set[str] = field(default_factory=set)
    chargers: dict[str, ReferenceCharger] = field(default_factory=dict)
    plugged: list[Plugged] = field(default_factory=list)
    clock_offset: dict[str, timedelta] = field(default_factory=dict)
    site: ConfigEntry | None = None
    seconds: int = 0  # simulated time since the bench started
    transport: str = "integration"  # how connectors are added: or "central"

    # --- the OCPP integration and its chargers ------------------------------------------

    async def start_ocpp(self) -> None:
        """Set up the OCPP integration's central system as its own flow asks."""
        assert await async_setup_component(self.hass, "persistent_notification", {})
        flow = await self.hass.config_entries.flow.async_init(
            "ocpp", context={"source": "user"}
        )
        data: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "ssl": False,
            "ssl_certfile_path": "fullchain.pem",
            "ssl_keyfile_path": "privkey.pem",
            "csid": "central",
            "websocket_close_timeout": 10,
            "websocket_ping_tries": 2,
            "websocket_ping_interval": 20,
            "websocket_ping_timeout": 20,
        }
        if self.release != "v0.10.9":
            data["ocpp_version"] = "auto"
        result = await self.hass.config_entries.flow.async_configure(
            flow["flow_id"], data
        )
        assert result["type"] == "create_entry", result
        await self.hass.async_block_till_done()

    def add_central_charger(
        self, spec: StationSpec, *, password: str | None = None
    ) -> ReferenceCharger:
        """A charger that connects to our site's own server (let in once it is added)."""
        charger = ReferenceCharger(
            spec,
            f"ws://127.0.0.1:{self.port}",
            lambda: dt_util.utcnow() + self.clock_offset.get(spec.cp_id, timedelta(0)),
            password=password,
        )
        self.chargers[spec.cp_id] = charger
        return charger

    async def add_charger(
        self,
        spec: StationSpec,
        *,
        cpid: str,
        meter_interval: int = 10,
        measurands: tuple[str, ...] = MEASURANDS,
    ) -> ReferenceCharger:
        """Connect a charger; accept it in the OCPP integration's discovery flow as a user does.

        The user names it `cpid`, turns automatic measurand detection off and picks what a load
        manager needs. The OCPP integration then reloads and the charger reconnects.
        """
        charger = ReferenceCharger(
            spec,
            f"ws://127.0.0.1:{self.port}",
            lambda: dt_util.utcnow() + self.clock_offset.get(spec.cp_id, timedelta(0)),
        )
        self.chargers[cpid] = charger

        def discovered() -> list[Any]:
            return [
                f
                for f in self.hass.config_entries.flow.async_progress_by_handler("ocpp")
                if f["context"].get("unique_id") == spec.cp_id
            ]

        await self.until(discovered, limit=30)
        (flow,) = discovered()
        settings: dict[str, Any] = {
            "cpid": cpid,
            "max_current": int(spec.max_current_a),
            "monitored_variables_autoconfig": False,
            "meter_interval": meter_interval,
            "idle_interval": 900,
            "skip_schema_validation": False,
            "force_smart_charging": False,
        }
        if self.release != "v0.10.9":
            settings["enable_ha_notifications"] = True
        result = await self.hass.config_entries.flow.async_configure(
            flow["flow_id"], settings
        )
        assert result.get("step_id") == "measurands", result
        result = await self.hass.config_entries.flow.async_configure(
            flow["flow_id"], {m: m in measurands for m in _measurand_fields(result)}
        )
        assert result["type"] == "abort", result
        if spec.connectors > 1:
            # The OCPP integration learns the number of connectors from the charger but
            # creates the entities of further connectors only when it is reloaded (its
            # entry update after NumberOfConnectors changes nothing it can see): what a
            # user does from its menu.
            await self.until(lambda: charger.boots > 0, limit=30)
            (entry,) = self.hass.config_entries.async_entries("ocpp")
            assert await self.hass.config_entries.async_reload(entry.entry_id)
        # Adding a charger reloads the OCPP integration: every charger reconnects.
        await self.until(self.all_connected, limit=60)
        return charger

    def all_connected(self) -> bool:
        """Whether the OCPP integration shows a status for every connector of every charger."""
        for cpid, charger in self.chargers.items():
            several = charger.spec.connectors > 1
            for n in charger.connectors:
                status = (
                    f"sensor.{cpid}_connector_{n}_status_connector"
                    if several
                    else f"sensor.{cpid}_status_connector"
                )
                if self.state(status) in (None, "unavailable", "unknown"):
                    return False
        return True

    # --- our integration -----------------------------------------------------------------

    async def add_site(self, **server: Any) -> ConfigEntry:
        """Our site, through our config flow, on the bench's three meters.

        `server`: the built-in OCPP server's fields, asked on their own step when given.
        """
        self.report()
        flow = await self.hass.config_entries.flow.async_init(
            DOMAIN, context={"source": "user"}
        )
        grid = {
            "name": "Home",
            "grid_phase_a": METERS["A"],
            "grid_phase_b": METERS["B"],
            "grid_phase_c": METERS["C"],
            "invert_grid_sign": False,
            "breaker_rating": 25,
            "voltage": 230,
            "with_ocpp_server": bool(server),
        }
        result = await self.hass.config_entries.flow.async_configure(
            flow["flow_id"], grid
        )
        if server:
            assert result.get("step_id") == "ocpp_server", result
            result = await self.hass.config_entries.flow.async_configure(
                flow["flow_id"], server
            )
        assert result["type"] == "create_entry", result
        await self.hass.async_block_till_done(wait_background_tasks=True)
        self.site = result["result"]
        return self.site

    async def add_connector(
        self,
        cpid: str,
        connector: int = 1,
        *,
        name: str = "Car",
        wiring: tuple[str, ...] = ("A", "B", "C"),
        **fields: Any,
    ) -> ConfigSubentry:
        """A charger connector as a load of the site, through our subentry flow."""
        assert self.site is not None
        flow = await self.connector_form()
        data = connector_data(cpid, connector, name=name, wiring=wiring, **fields)
        result = await self.hass.config_entries.subentries.async_configure(
            flow["flow_id"], data
        )
        assert result["type"] == "create_entry", result
        self.plugged.append(Plugged(self.chargers[cpid], connector, wiring))
        await self.hass.async_block_till_done(wait_background_tasks=True)
        return next(s for s in self.site.subentries.values() if s.title == name)

    async def connector_form(self) -> Any:
        """The form that adds a connector (past the menu when the site runs its server)."""
        assert self.site is not None
        flow = await self.hass.config_entries.subentries.async_init(
            (self.site.entry_id, "evse"), context={"source": "user"}
        )
        if flow["type"] == "menu":  # the site runs its own server: which way in
            flow = await self.hass.config_entries.subentries.async_configure(
                flow["flow_id"], {"next_step_id": self.transport}
            )
        assert flow["type"] == "form", flow
        return flow

    # --- the world -------------------------------------------------------------------------

    def report(self) -> None:
        """Write the grid meters: the house plus what every charger draws on each phase."""
        amps = dict(self.house)
        for plug in self.plugged:
            for line, phase in zip(
                plug.charger.draw(plug.connector), plug.wiring, strict=False
            ):
                amps[phase] += line
        for phase, entity_id in METERS.items():
            if phase in self.lost_meters:
                self.hass.states.async_set(entity_id, "unavailable")
            else:
                self.hass.states.async_set(
                    entity_id,
                    f"{amps[phase]:.2f}",
                    {"unit_of_measurement": "A", "device_class": "current"},
                )

    async def run(self, seconds: float) -> None:
        """Let `seconds` pass, one at a time."""
        for _ in range(round(seconds)):
            await self.tick()

    async def tick(self) -> None:
        """One second of the world."""
        self.freezer.tick(timedelta(seconds=1))
        self.seconds += 1
        for charger in self.chargers.values():
            await charger.step()
            if (attempt := charger.connecting) is not None:
                await _within_real_seconds(attempt, REAL_HANDSHAKE_S)
        self.report()
        async_fire_time_changed(self.hass)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def until(self, condition: Any, *, limit: float) -> float:
        """Run until `condition()` holds; the seconds it took (fails after `limit`)."""
        started = self.seconds
        while not condition():
            assert self.seconds - started < limit, f"not within {limit} s"
            await self.tick()
        return self.seconds - started

    # --- what happened ---------------------------------------------------------------------

    def record(self, what: str, seconds: float) -> float:
        """Note a measured time for the summary; returns it."""
        way = (
            "built-in server"
            if self.transport == "central"
            else f"OCPP integration {self.release}"
        )
        TIMINGS.setdefault(f"{what} ({way})", []).append(seconds)
        return seconds

    def state(self, entity_id: str) -> str | None:
        """An entity's state, None when it does not exist."""
        state = self.hass.states.get(entity_id)
        return state.state if state is not None else None

    @staticmethod
    def profiles(charger: ReferenceCharger, since: int = 0) -> list[Message]:
        """The SetChargingProfile requests a charger received (from message `since` on)."""
        return [m for m in charger.received[since:] if m.action == "SetChargingProfile"]

    @staticmethod
    def profile(message: Message) -> Profile:
        """A SetChargingProfile as sent, in either OCPP version."""
        payload = message.payload
        if "csChargingProfiles" in payload:  # 1.6
            profile = payload["csChargingProfiles"]
            return Profile(
                connector=payload["connectorId"],
                id=profile["chargingProfileId"],
                stack_level=profile["stackLevel"],
                schedule=profile["chargingSchedule"],
            )
        profile = payload["chargingProfile"]  # 2.0.1: one schedule in a list
        return Profile(
            connector=payload["evseId"],
            id=profile["id"],
            stack_level=profile["stackLevel"],
            schedule=profile["chargingSchedule"][0],
        )

    @staticmethod
    def working(charger: ReferenceCharger, connector: int = 1) -> list[float]:
        """The limits of the working profiles a connector received, in order."""
        return [
            profile.schedule["chargingSchedulePeriod"][0]["limit"]
            for profile in map(Bench.profile, Bench.profiles(charger))
            if profile.connector == connector and profile.id == 1900 + connector
        ]

    def over_breaker(self, breaker: float = 25.0) -> float:
        """By how much the fullest phase is above the breaker now (A, 0 when below)."""
        amps = dict(self.house)
        for plug in self.plugged:
            for line, phase in zip(
                plug.charger.draw(plug.connector), plug.wiring, strict=False
            ):
                amps[phase] += line
        return max(0.0, *(a - breaker for a in amps.values()))

    async def stop_home_assistant(self) -> None:
        """Everything in Home Assistant stops; the chargers go on by themselves."""
        for entry in self.hass.config_entries.async_entries():
            if entry.domain in (DOMAIN, "ocpp"):
                await self.hass.config_entries.async_unload(entry.entry_id)
        await self.hass.async_block_till_done()
        await self.tick()

    async def stop(self) -> None:
        """Unload everything and close every connection."""
        await self.hass.async_block_till_done(wait_background_tasks=True)
        for entry in self.hass.config_entries.async_entries():
            if entry.domain in (DOMAIN, "ocpp"):
                await self.hass.config_entries.async_unload(entry.entry_id)
        for charger in self.chargers.values():
            charger.auto_reconnect = False
            await charger.disconnect()
        await self.hass.async_block_till_done()


def connector_data(
    cpid: str,
    connector: int = 1,
    *,
    name: str = "Car",
    wiring: tuple[str, ...] = ("A", "B", "C"),
    **fields: Any,
) -> dict[str, Any]:
    """What a user types into the connector form (unit and stack level detected)."""
    lines = (*wiring, "none", "none", "none")[:3]
    return {
        "name": name,
        "charge_point_id": cpid,
        "connector_id": connector,
        "min_current": 6,
        "max_current": 16,
        "charger_max_current": 32,
        "line_1": lines[0],
        "line_2": lines[1],
        "line_3": lines[2],
        "rate_unit": "auto",
        "stack_level": 0,
        "profile_validity": 180,
        "failsafe_current": 6,
        "pause_mode": "zero",
        **fields,
    }


async def _within_real_seconds(task: asyncio.Task[Any], seconds: float) -> None:
    """Let a network exchange finish in real time while the simulated clock stands still.

    Time is frozen, so asyncio's own timeouts never fire: a thread cancels the task instead.
    """
    loop = asyncio.get_running_loop()
    timer = threading.Timer(seconds, lambda: loop.call_soon_threadsafe(task.cancel))
    timer.start()
    try:
        await asyncio.wait({task})
    finally:
        timer.cancel()
        timer.join()  # HA's test plugin fails a test that leaves a thread behind


def _measurand_fields(form: Any) -> list[str]:
    """The measurand checkboxes of the OCPP integration's measurand step."""
    return [str(key) for key in form["data_schema"].schema]

"""The project's reference charger: an OCPP 1.6J or 2.0.1 charge point over a websocket.

It boots, answers what a central system asks (configuration, trigger, charging profiles,
composite schedule, remote start/stop, reset), reports status, transactions and meter values,
and limits each connector by the profiles it holds, evaluated by its own clock
(`smart_charging`). A `Car` behind each connector draws what it is allowed.

Nothing runs by itself: `step()` brings the charger to the time of its clock (sends what is due,
reconnects when the connection is gone), so a test can drive it cycle by cycle under a frozen
clock, and `run()` calls `step()` every second for a live demo.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Coroutine
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import math
from typing import Any

import websockets
from websockets.typing import Subprotocol

from .car import Car
from .ocpp16 import Speech16
from .ocpp201 import Speech201
from .smart_charging import Kind, Limit, Profile, ProfileStore, Purpose, parse_time
from .speech import WRITABLE, Message, Reading, camel

LOGGER = logging.getLogger(__name__)
MIN_SIGNAL_A = 6.0  # IEC 61851 cannot offer less: below it the connector offers nothing
RECONNECT_S = 5.0  # a lost connection is tried again after this long
OPEN_TIMEOUT_S = 10.0  # a connection attempt that takes longer is given up
SUPPORTED_MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StationSpec:
    """What kind of charger it is."""

    cp_id: str
    connectors: int = 1
    max_current_a: float = 32.0  # per line, per connector, with no profile
    phases: int = 3  # lines wired to each connector
    voltage: float = 230.0
    # ChargingScheduleAllowedChargingRateUnit: "Current", "Power", "Current,Power", or None
    # for a charger that does not know the key.
    rate_units: str | None = "Current"
    max_stack_level: int = 8
    max_profiles: int = 16
    current_step_a: float = 0.1  # 1.0 for a charger that applies whole amps only
    ignores_profiles: bool = (
        False  # accepts profiles, offers its maximum anyway (faulty)
    )
    takes_absolute: bool = True  # False: rejects Absolute profiles (some firmware)
    features: str = "Core,FirmwareManagement,SmartCharging,RemoteTrigger"
    ocpp_version: str = "1.6"  # or "2.0.1"
    vendor: str = "Dynamic OCPP EVSE"
    model: str = "Reference charger"
    firmware: str = "1.0"


@dataclass(slots=True)
class Connector:
    """One connector: its car, transaction, status, energy meter and what it offers."""

    id: int
    car: Car | None = None
    tx_id: int | str | None = None  # 1.6: the central system's; 2.0.1: the charger's
    tx_start: datetime | None = None
    starting: bool = False  # a StartTransaction is on its way
    stopped: bool = False  # the transaction was stopped while the car stays plugged
    stop_reason: str | None = None  # a stop asked for, sent on the next step
    energy_wh: float = 0.0
    offered_a: float = 0.0
    draw_a: tuple[float, ...] = (0.0, 0.0, 0.0)
    reported: str | None = None  # the last status sent
    next_meter: datetime | None = None
    operative: bool = True  # False: out of service (ChangeAvailability), once idle
    seq: int = 0  # 2.0.1: the next TransactionEvent's number in its transaction
    reported_connector: str | None = None  # 2.0.1: the connector status sent last
    remote_start_id: int | None = (
        None  # 2.0.1: the remote start the next session answers
    )


class ReferenceCharger:
    """A simulated OCPP 1.6J charge point with a car at each connector."""

    def __init__(
        self,
        spec: StationSpec,
        url: str,
        clock: Callable[[], datetime],
        *,
        auto_reconnect: bool = True,
        password: str | None = None,
    ) -> None:
        """A charger that will connect to the central system at `url` (ws://host:port).

        With a `password` it authenticates by HTTP Basic (OCPP security profile 1).
        """
        self.password = password
        self.spec = spec
        self.url = url
        self.clock = clock
        self.auto_reconnect = auto_reconnect
        self.connectors = {n: Connector(n) for n in range(1, spec.connectors + 1)}
        self.profiles = ProfileStore()
        self.received: list[Message] = []
        self.sent: list[Message] = []
        self.config: dict[str, str] = {
            "HeartbeatInterval": "3600",
            "MeterValueSampleInterval": "60",
            "ClockAlignedDataInterval": "0",
            "MeterValuesSampledData": "Energy.Active.Import.Register",
            "NumberOfConnectors": str(spec.connectors),
            "SupportedFeatureProfiles": spec.features,
            "ChargeProfileMaxStackLevel": str(spec.max_stack_level),
            "MaxChargingProfilesInstalled": str(spec.max_profiles),
            "ChargingScheduleMaxPeriods": "24",
        }
        if spec.rate_units is not None:
            self.config["ChargingScheduleAllowedChargingRateUnit"] = spec.rate_units
        self.speech: Speech16 | Speech201 = (
            Speech201() if spec.ocpp_version == "2.0.1" else Speech16()
        )
        self._link: Any = None  # the endpoint of the version it speaks
        self._serving: asyncio.Task[None] | None = None
        self._next_connect: datetime | None = None
        self._attempt: tuple[asyncio.Task[bool], datetime] | None = None
        self._next_heartbeat: datetime | None = None
        self._booted = False
        self._unsent: list[Any] = []  # transaction messages kept while offline
        self._pending: set[asyncio.Task[None]] = set()  # what requests asked it to send
        self.boots = 0

    # --- the connection -------------------------------------------------------------------

    @property
    def connecting(self) -> asyncio.Task[bool] | None:
        """The connection attempt in flight, if any."""
        if self._attempt is None or self._attempt[0].done():
            return None
        return self._attempt[0]

    @property
    def connected(self) -> bool:
        """Whether the websocket to the central system is open."""
        return self._serving is not None and not self._serving.done()

    async def connect(self) -> bool:
        """Open the websocket; boot on the first connection after power-up."""
        try:
            connection = await websockets.connect(
                f"{self.url}/{self.spec.cp_id}",
                subprotocols=[Subprotocol(self.speech.subprotocol)],
                additional_headers=self._credentials(),
            )
        except (OSError, websockets.exceptions.WebSocketException) as err:
            LOGGER.debug("%s: cannot connect: %s", self.spec.cp_id, err)
            self._next_connect = self.clock() + timedelta(seconds=RECONNECT_S)
            return False
        self._link = self.speech.endpoint(self, connection)
        self._serving = asyncio.get_running_loop().create_task(self._serve(self._link))
        for connector in self.connectors.values():
            # Tell the new connection where things stand.
            connector.reported = connector.reported_connector = None
        if not self._booted:
            await self.boot()
        return True

    def _credentials(self) -> dict[str, str]:
        """The Authorization header of security profile 1 (none without a password)."""
        if self.password is None:
            return {}
        token = base64.b64encode(f"{self.spec.cp_id}:{self.password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def soon(self, work: Coroutine[Any, Any, None]) -> None:
        """Do `work` right after answering a request (a CALL cannot wait inside another)."""
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _serve(self, link: Any) -> None:
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await link.start()

    async def disconnect(self) -> None:
        """Close the websocket (the charger stays powered)."""
        link, serving = self._link, self._serving
        self._link = self._serving = None
        if link is not None:
            await link._connection.close()  # noqa: SLF001
        attempt = self._attempt[0] if self._attempt else None
        self._attempt = None
        current = asyncio.current_task()
        for task in [serving, attempt, *self._pending]:
            if task is not None and task is not current:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._next_connect = self.clock() + timedelta(seconds=RECONNECT_S)

    async def reboot(self, *, keep_profiles: bool = False) -> None:
        """Power-cycle: the connection drops, transactions end, profiles go unless kept."""
        await self.disconnect()
        if not keep_profiles:
            self.profiles = ProfileStore()
        for connector in self.connectors.values():
            if connector.tx_id is not None:
                self._unsent.append(
                    self.speech.stop(self, connector, connector.tx_id, "Reboot")
                )
            connector.tx_id = connector.tx_start = None
            connector.stopped = False
            connector.offered_a = 0.0
        self._booted = False
        self._next_connect = self.clock()

    async def boot(self) -> None:
        """BootNotification; the heartbeat interval comes from the answer."""
        answer = await self.call(self.speech.boot(self))
        if answer is None:
            return
        self._booted = True
        self.boots += 1
        self.config["HeartbeatInterval"] = str(answer.interval)
        self._next_heartbeat = self.clock() + timedelta(seconds=answer.interval)
        while self._unsent and await self.call(self._unsent[0]) is not None:
            self._unsent.pop(0)

    async def call(self, payload: Any) -> Any:
        """Send a CALL; None when there is no connection or it breaks.

        Until the central system has accepted its BootNotification, a charger sends nothing else.
        """
        if self._link is None or not self.connected:
            return None
        if not self._booted and not self.speech.is_boot(payload):
            return None
        self.sent.append(Message(self.clock(), type(payload).__name__, camel(payload)))
        serving = self._serving
        assert serving is not None
        # The answer, or the end of the connection, whichever comes first.
        calling = asyncio.get_running_loop().create_task(
            self._link.call(payload, suppress=False)
        )
        await asyncio.wait({calling, serving}, return_when=asyncio.FIRST_COMPLETED)
        if not calling.done():
            calling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await calling
        try:
            return calling.result()
        except (
            asyncio.CancelledError,
            websockets.exceptions.ConnectionClosed,
            TimeoutError,
        ) as err:
            LOGGER.debug(
                "%s: %s failed: %r", self.spec.cp_id, type(payload).__name__, err
            )
            return None

    # --- the world around it --------------------------------------------------------------

    def plug_in(self, connector: int, car: Car) -> None:
        """A car is connected (the transaction starts on the next step)."""
        self.connectors[connector].car = car
        self.connectors[connector].stopped = False

    def unplug(self, connector: int) -> None:
        """The car leaves (its transaction ends on the next step)."""
        self.connectors[connector].car = None

    def draw(self, connector: int) -> tuple[float, ...]:
        """What the connector draws now on each of its lines L1, L2, L3 (A)."""
        return self.connectors[connector].draw_a

    def allowed_a(self, connector: int) -> float:
        """The current per line the profiles allow now (before the 6 A floor and rounding)."""
        if self.spec.ignores_profiles:
            return self.spec.max_current_a
        c = self.connectors[connector]
        amps, _ = self.profiles.limit_a(
            connector,
            self.clock(),
            tx_id=c.tx_id,
            tx_start=c.tx_start,
            to_amps=self._to_amps(c),
        )
        return (
            self.spec.max_current_a
            if amps is None
            else min(amps, self.spec.max_current_a)
        )

    def _to_amps(self, connector: Connector) -> Callable[[Limit], float]:
        def to_amps(limit: Limit) -> float:
            if limit.unit == "A":
                return limit.value
            lines = limit.phases or (
                connector.car.phases if connector.car else self.spec.phases
            )
            return limit.value / (self.spec.voltage * lines)

        return to_amps

    # --- time -----------------------------------------------------------------------------

    async def run(self, period_s: float = 1.0) -> None:
        """Step every `period_s` seconds, for a live charger."""
        while True:
            await self.step()
            await asyncio.sleep(period_s)

    def _keep_trying(self, now: datetime) -> None:
        """Connect in the background, by the charger's own clock; never wait for it here.

        A connection attempt runs beside the charger's work (as in a real charger) and is given
        up after OPEN_TIMEOUT_S of its clock, so a server that never answers cannot stall it.
        """
        if self._attempt is not None:
            task, started = self._attempt
            if not task.done() and now - started < timedelta(seconds=OPEN_TIMEOUT_S):
                return
            task.cancel()
            self._attempt = None
            if not task.done() or task.cancelled():
                self._next_connect = now + timedelta(seconds=RECONNECT_S)
        if self.auto_reconnect and (
            self._next_connect is None or now >= self._next_connect
        ):
            task = asyncio.get_running_loop().create_task(self.connect())
            self._attempt = (task, now)

    async def step(self) -> None:
        """Bring the charger to the time of its clock and send whatever is due."""
        now = self.clock()
        if not self.connected:
            self._link = None
            self._keep_trying(now)
        for connector in self.connectors.values():
            await self._step_connector(connector, now)
        if self._next_heartbeat is not None and now >= self._next_heartbeat:
            if await self.call(self.speech.heartbeat()) is not None:
                self._next_heartbeat = now + timedelta(
                    seconds=int(self.config["HeartbeatInterval"])
                )

    async def _step_connector(self, c: Connector, now: datetime) -> None:
        if c.car is None and c.tx_id is not None:
            await self._stop_transaction(c, "EVDisconnected")
        if c.stop_reason is not None:
            if c.tx_id is not None:
                await self._stop_transaction(c, c.stop_reason)
            c.stop_reason = None
            c.stopped = c.car is not None
        if c.car is None:
            c.stopped = False
        elif (
            c.tx_id is None
            and c.operative
            and not c.stopped
            and not c.starting
            and self.connected
        ):
            await self._start_transaction(c)
        allowed = self.allowed_a(c.id) if c.tx_id is not None else 0.0
        step = self.spec.current_step_a
        offered = math.floor(allowed / step + 1e-9) * step
        c.offered_a = round(offered, 1) if offered >= MIN_SIGNAL_A else 0.0
        draw = 0.0
        if c.car is not None:
            c.car.offer(now, c.offered_a)
            before = c.car.delivered_wh
            draw = c.car.advance(now, self.spec.voltage)
            c.energy_wh += c.car.delivered_wh - before
        lines = c.car.phases if c.car is not None else 0
        c.draw_a = tuple(draw if i < lines else 0.0 for i in range(self.spec.phases))
        await self._report_status(c)
        interval = int(self.config["MeterValueSampleInterval"] or 0)
        if interval > 0 and (c.next_meter is None or now >= c.next_meter):
            if await self.send_meter_values(c.id):
                c.next_meter = now + timedelta(seconds=interval)

    def status(self, connector: int) -> str:
        """The OCPP status the connector is in."""
        c = self.connectors[connector]
        if not c.operative and c.tx_id is None:
            return "Unavailable"
        if c.car is None:
            return "Available"
        if c.tx_id is None:
            return "Finishing" if c.stopped else "Preparing"
        if c.offered_a == 0:
            return "SuspendedEVSE"
        if c.car.full:
            return "SuspendedEV"
        return "Charging"

    async def _report_status(self, c: Connector, *, always: bool = False) -> None:
        status = self.status(c.id)
        if status == c.reported and not always:
            return
        if await self.speech.report(self, c, status, always=always):
            c.reported = status

    async def _start_transaction(self, c: Connector) -> None:
        c.starting = True
        c.seq = 0
        payload, proposed = self.speech.start(self, c)
        try:
            answer = await self.call(payload)
        finally:
            c.starting = False
            c.remote_start_id = None
        tx_id = self.speech.started(answer, proposed)
        if tx_id is not None:
            c.tx_id = tx_id
            c.tx_start = self.clock()

    async def _stop_transaction(self, c: Connector, reason: str) -> None:
        tx_id = c.tx_id
        if tx_id is not None:
            payload = self.speech.stop(self, c, tx_id, reason)
        c.tx_id = c.tx_start = None
        self.profiles.end_transaction(c.id)
        if tx_id is not None:
            await self.call(payload)

    async def send_meter_values(
        self, connector: int, *, triggered: bool = False
    ) -> bool:
        """The configured measurands now; False when they could not be sent."""
        c = self.connectors[connector]
        wanted = set(self.config["MeterValuesSampledData"].split(","))
        readings: list[Reading] = []
        if "Current.Import" in wanted:
            readings.extend(
                Reading("Current.Import", amps, "A", f"L{i + 1}")
                for i, amps in enumerate(c.draw_a)
            )
        if "Current.Offered" in wanted:
            readings.append(Reading("Current.Offered", c.offered_a, "A"))
        if "Power.Active.Import" in wanted:
            watts = sum(c.draw_a) * self.spec.voltage
            readings.append(Reading("Power.Active.Import", watts, "W"))
        if "Energy.Active.Import.Register" in wanted:
            readings.append(Reading("Energy.Active.Import.Register", c.energy_wh, "Wh"))
        payload = self.speech.meter(self, c, readings, triggered=triggered)
        return await self.call(payload) is not None

    # --- requests from the central system -------------------------------------------------

    def change_configuration(self, key: str, value: str) -> str:
        """Accept the keys a real charger lets a central system change."""
        if key not in self.config:
            return "NotSupported"
        if key not in WRITABLE:
            return "Rejected"
        if key == "MeterValuesSampledData":
            if not set(value.split(",")) <= set(SUPPORTED_MEASURANDS):
                return "Rejected"
        elif not value.isdigit():
            return "Rejected"
        self.config[key] = value
        if key == "MeterValueSampleInterval":
            for connector in self.connectors.values():
                connector.next_meter = None  # sample from now on at the new interval
        return "Accepted"

    def set_profile(self, connector_id: int, payload: dict[str, Any]) -> str:
        """Install a profile if this charger can; Accepted or Rejected, as it would answer."""
        try:
            profile = Profile.from_wire(connector_id, payload, self.clock())
        except (KeyError, TypeError, ValueError) as err:
            LOGGER.debug("%s: profile refused: %s", self.spec.cp_id, err)
            return "Rejected"
        units = {"Current": "A", "Power": "W"}
        allowed = {
            units[u]
            for u in self.config.get(
                "ChargingScheduleAllowedChargingRateUnit", ""
            ).split(",")
            if u in units
        } or {"A"}
        connector = self.connectors.get(connector_id)
        refused = (
            profile.stack_level > self.spec.max_stack_level
            or profile.unit not in allowed
            or (connector_id != 0 and connector is None)
            or (profile.purpose is Purpose.CHARGE_POINT_MAX and connector_id != 0)
            or (
                profile.purpose is Purpose.TX
                and (connector is None or connector.tx_id is None)
            )
            or len(self.profiles.profiles) >= self.spec.max_profiles
            or (profile.kind is Kind.ABSOLUTE and not self.spec.takes_absolute)
        )
        if refused:
            return "Rejected"
        self.profiles.install(profile)
        return "Accepted"

    def composite(
        self, connector_id: int, duration: int, unit: str
    ) -> list[dict[str, Any]] | None:
        """The periods the connector will apply from now on, by this charger's clock.

        In 1.6's camelCase (`startPeriod`, `limit`); None for a connector it does not have.
        """
        c = self.connectors.get(connector_id)
        if c is None:
            return None
        steps = self.profiles.composite(
            connector_id,
            self.clock(),
            duration,
            tx_id=c.tx_id,
            tx_start=c.tx_start,
            to_amps=self._to_amps(c),
            default_a=self.spec.max_current_a,
        )
        lines = c.car.phases if c.car else self.spec.phases
        scale = 1.0 if unit == "A" else self.spec.voltage * lines
        return [
            {
                "startPeriod": offset,
                "limit": round(min(amps, self.spec.max_current_a) * scale, 1),
            }
            for offset, amps in steps
        ]

    def change_availability(self, connector_id: int, operative: bool) -> str:
        """Put connectors (0: all) in or out of service; Scheduled while a session runs."""
        chosen = [c for c in self.connectors.values() if connector_id in (0, c.id)]
        if not chosen:
            return "Rejected"
        for c in chosen:
            c.operative = operative
        busy = any(c.tx_id is not None for c in chosen)
        return "Scheduled" if busy and not operative else "Accepted"

    def remote_start(self, connector_id: int | None) -> int | None:
        """The connector a remote start will use, or None to refuse it."""
        for c in self.connectors.values():
            if connector_id not in (None, c.id):
                continue
            if c.car is not None and c.tx_id is None and c.operative:
                c.stopped = False
                return c.id
        return None

    def remote_stop(self, transaction_id: int | str) -> bool:
        """Whether a transaction with this id runs (it stops on the next step)."""
        for c in self.connectors.values():
            if c.tx_id == transaction_id:
                c.stop_reason = "Remote"
                return True
        return False

    async def triggered(self, message: str, connector_id: int | None) -> None:
        """Send what a TriggerMessage asked for (2.0.1's TransactionEvent: each session's)."""
        if message == "BootNotification":
            await self.boot()
        elif message == "Heartbeat":
            await self.call(self.speech.heartbeat())
        for c in self.connectors.values():
            if connector_id not in (None, 0, c.id):
                continue
            if message == "StatusNotification":
                await self._report_status(c, always=True)
            elif message == "MeterValues" or (
                message == "TransactionEvent" and c.tx_id is not None
            ):
                await self.send_meter_values(c.id, triggered=True)


__all__ = ["Message", "ReferenceCharger", "StationSpec", "parse_time"]

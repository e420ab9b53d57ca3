"""The project's reference charger: an OCPP 1.6J charge point over a websocket.

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
import json
import logging
import math
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AvailabilityStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingProfileStatus,
    ClearChargingProfileStatus,
    ConfigurationStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    MessageTrigger,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
)
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from .car import Car
from .smart_charging import (
    Kind,
    Limit,
    Profile,
    ProfileStore,
    Purpose,
    format_time,
    parse_time,
)

LOGGER = logging.getLogger(__name__)
MIN_SIGNAL_A = 6.0  # IEC 61851 cannot offer less: below it the connector offers nothing
RECONNECT_S = 5.0  # a lost connection is tried again after this long
OPEN_TIMEOUT_S = 10.0  # a connection attempt that takes longer is given up
ID_TAG = "reference"
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
    vendor: str = "Dynamic OCPP EVSE"
    model: str = "Reference charger"
    firmware: str = "1.0"


@dataclass(slots=True)
class Connector:
    """One connector: its car, transaction, status, energy meter and what it offers."""

    id: int
    car: Car | None = None
    tx_id: int | None = None
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


@dataclass(slots=True)
class Message:
    """One OCPP CALL as it crossed the wire."""

    at: datetime  # by the charger's clock
    action: str
    payload: dict[str, Any]


class _Link(ChargePoint):  # type: ignore[misc]
    """The OCPP endpoint; every request is handed to the station."""

    def __init__(self, station: ReferenceCharger, connection: ClientConnection) -> None:
        super().__init__(station.spec.cp_id, connection, response_timeout=30)
        self.station = station
        self.raw: dict[str, dict[str, Any]] = {}

    async def route_message(self, raw_msg: str) -> None:
        message = json.loads(raw_msg)
        if message[0] == 2:  # a CALL from the central system
            self.raw[message[1]] = message[3]
            self.station.received.append(
                Message(self.station.clock(), message[2], message[3])
            )
        await super().route_message(raw_msg)

    def payload(self, unique_id: str) -> dict[str, Any]:
        return self.raw.pop(unique_id)

    @on(Action.get_configuration)
    def _get_configuration(self, key: list[str] | None = None) -> Any:
        return self.station.get_configuration(key)

    @on(Action.change_configuration)
    def _change_configuration(self, key: str, value: str) -> Any:
        return call_result.ChangeConfiguration(
            status=self.station.change_configuration(key, value)
        )

    @on(Action.change_availability)
    def _change_availability(self, connector_id: int, type: str) -> Any:  # noqa: A002
        return call_result.ChangeAvailability(
            status=self.station.change_availability(connector_id, type == "Operative")
        )

    @on(Action.trigger_message)
    def _trigger_message(
        self, requested_message: str, connector_id: int | None = None
    ) -> Any:
        known = requested_message in (
            MessageTrigger.boot_notification,
            MessageTrigger.status_notification,
            MessageTrigger.meter_values,
            MessageTrigger.heartbeat,
        )
        return call_result.TriggerMessage(
            status=TriggerMessageStatus.accepted
            if known
            else TriggerMessageStatus.not_implemented
        )

    @after(Action.trigger_message)
    def _triggered(
        self, requested_message: str, connector_id: int | None = None
    ) -> None:
        self.station.soon(self.station.triggered(requested_message, connector_id))

    @on(Action.set_charging_profile)
    def _set_charging_profile(
        self, connector_id: int, cs_charging_profiles: Any, call_unique_id: str
    ) -> Any:
        payload = self.payload(call_unique_id)["csChargingProfiles"]
        return call_result.SetChargingProfile(
            status=self.station.set_profile(connector_id, payload)
        )

    @on(Action.clear_charging_profile)
    def _clear_charging_profile(
        self,
        id: int | None = None,  # noqa: A002
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
    ) -> Any:
        removed = self.station.profiles.clear(
            profile_id=id,
            connector=connector_id,
            purpose=Purpose(charging_profile_purpose)
            if charging_profile_purpose
            else None,
            stack_level=stack_level,
        )
        return call_result.ClearChargingProfile(
            status=ClearChargingProfileStatus.accepted
            if removed
            else ClearChargingProfileStatus.unknown
        )

    @on(Action.get_composite_schedule)
    def _get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None
    ) -> Any:
        return self.station.composite_schedule(
            connector_id, duration, charging_rate_unit or "A"
        )

    @on(Action.remote_start_transaction)
    def _remote_start(
        self, id_tag: str, connector_id: int | None = None, **_: Any
    ) -> Any:
        connector = self.station.remote_start(connector_id)
        return call_result.RemoteStartTransaction(
            status=RemoteStartStopStatus.accepted
            if connector is not None
            else RemoteStartStopStatus.rejected
        )

    @on(Action.remote_stop_transaction)
    def _remote_stop(self, transaction_id: int) -> Any:
        found = self.station.remote_stop(transaction_id)
        return call_result.RemoteStopTransaction(
            status=RemoteStartStopStatus.accepted
            if found
            else RemoteStartStopStatus.rejected
        )

    @on(Action.reset)
    def _reset(self, type: str) -> Any:  # noqa: A002
        return call_result.Reset(status=ResetStatus.accepted)

    @after(Action.reset)
    def _after_reset(self, type: str) -> None:  # noqa: A002
        self.station.soon(self.station.reboot())

    @on(Action.unlock_connector)
    def _unlock(self, connector_id: int) -> Any:
        return call_result.UnlockConnector(status=UnlockStatus.unlocked)

    @on(Action.data_transfer)
    def _data_transfer(self, vendor_id: str, **_: Any) -> Any:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)


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
        self._link: _Link | None = None
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
                subprotocols=[Subprotocol("ocpp1.6")],
                additional_headers=self._credentials(),
            )
        except (OSError, websockets.exceptions.WebSocketException) as err:
            LOGGER.debug("%s: cannot connect: %s", self.spec.cp_id, err)
            self._next_connect = self.clock() + timedelta(seconds=RECONNECT_S)
            return False
        self._link = _Link(self, connection)
        self._serving = asyncio.get_running_loop().create_task(self._serve(self._link))
        for connector in self.connectors.values():
            connector.reported = None  # tell the new connection where things stand
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

    async def _serve(self, link: _Link) -> None:
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
                    call.StopTransaction(
                        meter_stop=round(connector.energy_wh),
                        timestamp=format_time(self.clock()),
                        transaction_id=connector.tx_id,
                        reason="Reboot",
                    )
                )
            connector.tx_id = connector.tx_start = None
            connector.stopped = False
            connector.offered_a = 0.0
        self._booted = False
        self._next_connect = self.clock()

    async def boot(self) -> None:
        """BootNotification; the heartbeat interval comes from the answer."""
        answer = await self._call(
            call.BootNotification(
                charge_point_model=self.spec.model,
                charge_point_vendor=self.spec.vendor,
                firmware_version=self.spec.firmware,
            )
        )
        if answer is None:
            return
        self._booted = True
        self.boots += 1
        self.config["HeartbeatInterval"] = str(answer.interval)
        self._next_heartbeat = self.clock() + timedelta(seconds=answer.interval)
        while self._unsent and await self._call(self._unsent[0]) is not None:
            self._unsent.pop(0)

    async def _call(self, payload: Any) -> Any:
        """Send a CALL; None when there is no connection or it breaks.

        Until the central system has accepted its BootNotification, a charger sends nothing else.
        """
        if self._link is None or not self.connected:
            return None
        if not self._booted and not isinstance(payload, call.BootNotification):
            return None
        self.sent.append(Message(self.clock(), type(payload).__name__, _camel(payload)))
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
            if await self._call(call.Heartbeat()) is not None:
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
            return str(ChargePointStatus.unavailable)
        if c.car is None:
            return str(ChargePointStatus.available)
        if c.tx_id is None:
            return str(
                ChargePointStatus.finishing
                if c.stopped
                else ChargePointStatus.preparing
            )
        if c.offered_a == 0:
            return str(ChargePointStatus.suspended_evse)
        if c.car.full:
            return str(ChargePointStatus.suspended_ev)
        return str(ChargePointStatus.charging)

    async def _report_status(self, c: Connector, *, always: bool = False) -> None:
        status = self.status(c.id)
        if status == c.reported and not always:
            return
        answer = await self._call(
            call.StatusNotification(
                connector_id=c.id,
                error_code=ChargePointErrorCode.no_error,
                status=status,
                timestamp=format_time(self.clock()),
            )
        )
        if answer is not None:
            c.reported = status

    async def _start_transaction(self, c: Connector) -> None:
        c.starting = True
        try:
            answer = await self._call(
                call.StartTransaction(
                    connector_id=c.id,
                    id_tag=ID_TAG,
                    meter_start=round(c.energy_wh),
                    timestamp=format_time(self.clock()),
                )
            )
        finally:
            c.starting = False
        if answer is not None and answer.id_tag_info["status"] == "Accepted":
            c.tx_id = answer.transaction_id
            c.tx_start = self.clock()

    async def _stop_transaction(self, c: Connector, reason: str) -> None:
        tx_id, c.tx_id, c.tx_start = c.tx_id, None, None
        self.profiles.end_transaction(c.id)
        if tx_id is not None:
            await self._call(
                call.StopTransaction(
                    meter_stop=round(c.energy_wh),
                    timestamp=format_time(self.clock()),
                    transaction_id=tx_id,
                    reason=reason,
                )
            )

    async def send_meter_values(self, connector: int) -> bool:
        """One MeterValues with the configured measurands; False when it could not be sent."""
        c = self.connectors[connector]
        wanted = set(self.config["MeterValuesSampledData"].split(","))
        values: list[dict[str, Any]] = []
        if "Current.Import" in wanted:
            values.extend(
                _sample("Current.Import", f"{amps:.1f}", "A", phase=f"L{i + 1}")
                for i, amps in enumerate(c.draw_a)
            )
        if "Current.Offered" in wanted:
            values.append(_sample("Current.Offered", f"{c.offered_a:.1f}", "A"))
        if "Power.Active.Import" in wanted:
            watts = sum(c.draw_a) * self.spec.voltage
            values.append(_sample("Power.Active.Import", f"{watts:.0f}", "W"))
        if "Energy.Active.Import.Register" in wanted:
            values.append(
                _sample("Energy.Active.Import.Register", f"{c.energy_wh:.0f}", "Wh")
            )
        answer = await self._call(
            call.MeterValues(
                connector_id=connector,
                transaction_id=c.tx_id,
                meter_value=[
                    {"timestamp": format_time(self.clock()), "sampledValue": values}
                ],
            )
        )
        return answer is not None

    # --- requests from the central system -------------------------------------------------

    def get_configuration(self, keys: list[str] | None) -> Any:
        """The known keys asked for (all when none is named) and the unknown ones."""
        wanted = keys or list(self.config)
        known = [
            {"key": k, "readonly": k not in _WRITABLE, "value": self.config[k]}
            for k in wanted
            if k in self.config
        ]
        unknown = [k for k in wanted if k not in self.config]
        return call_result.GetConfiguration(
            configuration_key=known or None, unknown_key=unknown or None
        )

    def change_configuration(self, key: str, value: str) -> str:
        """Accept the keys a real charger lets a central system change."""
        if key not in self.config:
            return str(ConfigurationStatus.not_supported)
        if key not in _WRITABLE:
            return str(ConfigurationStatus.rejected)
        if key == "MeterValuesSampledData":
            if not set(value.split(",")) <= set(SUPPORTED_MEASURANDS):
                return str(ConfigurationStatus.rejected)
        elif not value.isdigit():
            return str(ConfigurationStatus.rejected)
        self.config[key] = value
        if key == "MeterValueSampleInterval":
            for connector in self.connectors.values():
                connector.next_meter = None  # sample from now on at the new interval
        return str(ConfigurationStatus.accepted)

    def set_profile(self, connector_id: int, payload: dict[str, Any]) -> str:
        """Install a profile if this charger can; Accepted or Rejected, as it would answer."""
        try:
            profile = Profile.from_wire(connector_id, payload, self.clock())
        except (KeyError, TypeError, ValueError) as err:
            LOGGER.debug("%s: profile refused: %s", self.spec.cp_id, err)
            return str(ChargingProfileStatus.rejected)
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
            return str(ChargingProfileStatus.rejected)
        self.profiles.install(profile)
        return str(ChargingProfileStatus.accepted)

    def composite_schedule(self, connector_id: int, duration: int, unit: str) -> Any:
        """What the connector will apply from now on, by this charger's clock."""
        c = self.connectors.get(connector_id)
        if c is None:
            return call_result.GetCompositeSchedule(
                status=GetCompositeScheduleStatus.rejected
            )
        now = self.clock()
        steps = self.profiles.composite(
            connector_id,
            now,
            duration,
            tx_id=c.tx_id,
            tx_start=c.tx_start,
            to_amps=self._to_amps(c),
            default_a=self.spec.max_current_a,
        )
        lines = c.car.phases if c.car else self.spec.phases
        scale = 1.0 if unit == "A" else self.spec.voltage * lines
        return call_result.GetCompositeSchedule(
            status=GetCompositeScheduleStatus.accepted,
            connector_id=connector_id,
            schedule_start=format_time(now),
            charging_schedule={
                "duration": duration,
                "startSchedule": format_time(now),
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [
                    {
                        "startPeriod": offset,
                        "limit": round(min(amps, self.spec.max_current_a) * scale, 1),
                    }
                    for offset, amps in steps
                ],
            },
        )

    def change_availability(self, connector_id: int, operative: bool) -> str:
        """Put connectors (0: all) in or out of service; Scheduled while a session runs."""
        chosen = [c for c in self.connectors.values() if connector_id in (0, c.id)]
        if not chosen:
            return str(AvailabilityStatus.rejected)
        for c in chosen:
            c.operative = operative
        busy = any(c.tx_id is not None for c in chosen)
        return str(
            AvailabilityStatus.scheduled
            if busy and not operative
            else AvailabilityStatus.accepted
        )

    def remote_start(self, connector_id: int | None) -> int | None:
        """The connector a remote start will use, or None to refuse it."""
        for c in self.connectors.values():
            if connector_id not in (None, c.id):
                continue
            if c.car is not None and c.tx_id is None and c.operative:
                c.stopped = False
                return c.id
        return None

    def remote_stop(self, transaction_id: int) -> bool:
        """Whether a transaction with this id runs (it stops on the next step)."""
        for c in self.connectors.values():
            if c.tx_id == transaction_id:
                c.stop_reason = "Remote"
                return True
        return False

    async def triggered(self, message: str, connector_id: int | None) -> None:
        """Send what a TriggerMessage asked for."""
        if message == MessageTrigger.boot_notification:
            await self.boot()
        elif message == MessageTrigger.heartbeat:
            await self._call(call.Heartbeat())
        for c in self.connectors.values():
            if connector_id not in (None, 0, c.id):
                continue
            if message == MessageTrigger.status_notification:
                await self._report_status(c, always=True)
            elif message == MessageTrigger.meter_values:
                await self.send_meter_values(c.id)


_WRITABLE = {
    "HeartbeatInterval",
    "MeterValueSampleInterval",
    "ClockAlignedDataInterval",
    "MeterValuesSampledData",
}


def _sample(
    measurand: str, value: str, unit: str, *, phase: str | None = None
) -> dict[str, Any]:
    sample = {
        "value": value,
        "context": "Sample.Periodic",
        "measurand": measurand,
        "unit": unit,
    }
    if phase is not None:
        sample["phase"] = phase
    return sample


def _camel(payload: Any) -> dict[str, Any]:
    """A CALL payload as it goes over the wire (for the record)."""
    result: dict[str, Any] = snake_to_camel_case(
        remove_nones(serialize_as_dict(payload))
    )
    return result


__all__ = ["Message", "ReferenceCharger", "StationSpec", "parse_time"]

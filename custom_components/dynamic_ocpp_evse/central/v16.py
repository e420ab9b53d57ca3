"""The OCPP 1.6J conversation with one charger, from the central system's side."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
import json
import logging
import time
from typing import Any

from ocpp.exceptions import OCPPError
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    AvailabilityType,
    ConfigurationStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    MessageTrigger,
    RegistrationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    ResetType,
)
from websockets.exceptions import ConnectionClosed

from ..engine.units import parse_number
from .link import ChargerState, ConnectorState
from .times import format_time, parse_time

LOGGER = logging.getLogger(__name__)
HEARTBEAT_S = 300  # what a charger is told at boot
METER_INTERVAL_S = 10  # MeterValueSampleInterval asked of every charger
# Measurands we ask for, SoC last (dropped for a charger that refuses it).
MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
    "SoC",
)
RATE_LIMIT, RATE_WINDOW_S = 200, 10.0  # more messages than this in the window: cut off
ID_TAG = "dynamic_ocpp_evse"  # for the transactions we start remotely
_PHASES = {"L1": 0, "L2": 1, "L3": 2, "L1-N": 0, "L2-N": 1, "L3-N": 2}


class Charger16(ChargePoint):  # type: ignore[misc]
    """One connected OCPP 1.6J charger: its requests update `state`, ours go out as calls."""

    def __init__(
        self,
        state: ChargerState,
        connection: Any,
        *,
        clock: Callable[[], datetime],
        changed: Callable[[], None],
        response_timeout_s: float,
    ) -> None:
        """Speak to the charger over `connection`; `changed` is called after each report."""
        super().__init__(state.cp_id, connection, response_timeout=response_timeout_s)
        self.state = state
        self._clock = clock
        self._changed = changed
        # Transaction ids that stay unique over restarts of Home Assistant.
        self._next_transaction = int(clock().timestamp())
        self._received: list[float] = []  # when its recent messages came
        self._tasks: set[asyncio.Task[None]] = set()  # requests of ours in flight

    async def route_message(self, raw_msg: str) -> None:
        """Answer what cannot be understood with a CALLERROR; the connection survives.

        A charger that floods us is cut off (it may reconnect).
        """
        try:
            message = json.loads(raw_msg)
        except ValueError:
            message = None
        if not (isinstance(message, list) and message and message[0] != 2):
            # Its requests (and garbage) count; its answers to ours do not.
            now = time.monotonic()
            self._received = [t for t in self._received if now - t < RATE_WINDOW_S]
            self._received.append(now)
            if len(self._received) > RATE_LIMIT:
                LOGGER.warning("%s sends too much: disconnected", self.id)
                await self._connection.close(1008, "Too many messages")
                return
        if not (isinstance(message, list) and len(message) >= 3):
            # OCPP 1.6 names this error FormationViolation.
            await self._send(
                json.dumps([4, "-1", "FormationViolation", "Not an OCPP-J message", {}])
            )
            return
        try:
            await super().route_message(raw_msg)
        except Exception:  # noqa: BLE001 - one bad request must not end the conversation
            LOGGER.exception("%s: a request could not be handled", self.id)
            if message[0] == 2:
                await self._send(
                    json.dumps([4, str(message[1]), "InternalError", "Not handled", {}])
                )

    def _now(self) -> str:
        return format_time(self._clock())

    # --- what the charger tells us --------------------------------------------------------

    @on(Action.boot_notification)
    def _boot(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        firmware_version: str = "",
        **_: Any,
    ) -> Any:
        state = self.state
        state.vendor, state.model = charge_point_vendor, charge_point_model
        state.firmware = firmware_version
        state.boots += 1  # a boot loses every profile on many chargers
        self._changed()
        # Its clock follows ours.
        return call_result.BootNotification(
            current_time=self._now(),
            interval=HEARTBEAT_S,
            status=RegistrationStatus.accepted,
        )

    @after(Action.boot_notification)
    def _configure(self, **_: Any) -> None:
        self.soon(self._configure_meter_values())

    def soon(self, work: Coroutine[Any, Any, None]) -> None:
        """Ask the charger something beside the conversation; ends with the connection."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def where_it_stands(self) -> None:
        """On a new connection: every connector's status and readings, asked for at once.

        A charger that reconnects without rebooting need not tell them again by itself.
        """
        for message in (
            MessageTrigger.status_notification,
            MessageTrigger.meter_values,
        ):
            try:
                await self._ask(call.TriggerMessage(requested_message=message))
            except (OCPPError, TimeoutError, ConnectionClosed) as err:
                LOGGER.debug("%s: TriggerMessage %s: %r", self.id, message, err)

    def cancel_tasks(self) -> None:
        """The connection is gone: what we were asking goes with it."""
        for task in self._tasks:
            task.cancel()

    @on(Action.heartbeat)
    def _heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=self._now())

    @on(Action.status_notification)
    def _status(self, connector_id: int, status: str, **_: Any) -> Any:
        if connector_id > 0:
            connector = self.state.connector(connector_id)
            connector.status = status
            if status == "Available":
                connector.transaction_id = None
            if status != "Charging":  # a car that does not charge draws nothing
                connector.line_a, connector.current_a = (0.0, 0.0, 0.0), 0.0
        self._changed()
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def _meter_values(
        self,
        connector_id: int,
        meter_value: list[dict[str, Any]],
        transaction_id: int | None = None,
        **_: Any,
    ) -> Any:
        if connector_id > 0 and transaction_id is not None:
            # A session that began before we were there (Home Assistant restarted).
            self.state.connector(connector_id).transaction_id = transaction_id
        if connector_id > 0 and meter_value:
            _read_meter(
                self.state.connector(connector_id), meter_value[-1], self._clock()
            )
            self._changed()
        return call_result.MeterValues()

    @on(Action.authorize)
    def _authorize(self, id_tag: str) -> Any:
        return call_result.Authorize(
            id_tag_info={"status": AuthorizationStatus.accepted}
        )

    @on(Action.start_transaction)
    def _start(self, connector_id: int, id_tag: str, **_: Any) -> Any:
        transaction = self._next_transaction
        self._next_transaction += 1
        self.state.connector(connector_id).transaction_id = transaction
        self._changed()
        return call_result.StartTransaction(
            transaction_id=transaction,
            id_tag_info={"status": AuthorizationStatus.accepted},
        )

    @on(Action.stop_transaction)
    def _stop(self, transaction_id: int, **_: Any) -> Any:
        for connector in self.state.connectors.values():
            if connector.transaction_id == transaction_id:
                connector.transaction_id = None
        self._changed()
        return call_result.StopTransaction()

    @on(Action.data_transfer)
    def _data_transfer(self, vendor_id: str, **_: Any) -> Any:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on(Action.firmware_status_notification)
    def _firmware_status(self, status: str) -> Any:
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def _diagnostics_status(self, status: str) -> Any:
        return call_result.DiagnosticsStatusNotification()

    # --- what we ask of it ----------------------------------------------------------------

    async def _ask(self, payload: Any) -> Any:
        """A call; an error answer raises (OCPPError), no answer in time too (TimeoutError)."""
        return await self.call(payload, suppress=False)

    async def _configure_meter_values(self) -> None:
        """Ask for every measurand we use, every few seconds; without SoC if it has none."""
        try:
            await self._ask_for_measurands()
        except (OCPPError, TimeoutError, ConnectionClosed) as err:
            LOGGER.debug("%s: meter values not configured: %r", self.id, err)

    async def _ask_for_measurands(self) -> None:
        await self._ask(
            call.ChangeConfiguration(
                key="MeterValueSampleInterval", value=str(METER_INTERVAL_S)
            )
        )
        for measurands in (MEASURANDS, MEASURANDS[:-1]):
            answer = await self._ask(
                call.ChangeConfiguration(
                    key="MeterValuesSampledData", value=",".join(measurands)
                )
            )
            if answer.status in (
                ConfigurationStatus.accepted,
                ConfigurationStatus.reboot_required,
            ):
                return
        LOGGER.warning("%s does not report the measurands we ask for", self.id)

    async def set_profile(self, connector: int, profile: dict[str, Any]) -> str:
        """SetChargingProfile; the charger's answer."""
        answer = await self._ask(
            call.SetChargingProfile(
                connector_id=connector, cs_charging_profiles=profile
            )
        )
        return str(answer.status)

    async def clear_profile(self, profile_id: int) -> str:
        """ClearChargingProfile of one profile by its id."""
        answer = await self._ask(call.ClearChargingProfile(id=profile_id))
        return str(answer.status)

    async def composite_schedule(
        self, connector: int, duration_s: int, unit: str
    ) -> dict[str, Any] | None:
        """The schedule the charger will apply, in its own clock (None: rejected)."""
        # Chargers round limits their own way: the answer is read, not judged by the schema.
        answer = await self.call(
            call.GetCompositeSchedule(
                connector_id=connector, duration=duration_s, charging_rate_unit=unit
            ),
            suppress=False,
            skip_schema_validation=True,
        )
        if answer.status != GetCompositeScheduleStatus.accepted:
            return None
        return {
            "schedule_start": answer.schedule_start,
            "charging_schedule": answer.charging_schedule,
        }

    async def start_transaction(self, connector: int) -> bool:
        """RemoteStartTransaction on the connector."""
        answer = await self._ask(
            call.RemoteStartTransaction(id_tag=ID_TAG, connector_id=connector)
        )
        return bool(answer.status == RemoteStartStopStatus.accepted)

    async def stop_transaction(self, connector: int) -> bool:
        """RemoteStopTransaction of the connector's transaction (False: none known)."""
        transaction = self.state.connector(connector).transaction_id
        if transaction is None:
            return False
        answer = await self._ask(call.RemoteStopTransaction(transaction_id=transaction))
        return bool(answer.status == RemoteStartStopStatus.accepted)

    async def change_availability(self, connector: int, *, operative: bool) -> str:
        """ChangeAvailability of the connector: its answer (Accepted, Rejected, Scheduled)."""
        answer = await self._ask(
            call.ChangeAvailability(
                connector_id=connector,
                type=AvailabilityType.operative
                if operative
                else AvailabilityType.inoperative,
            )
        )
        return str(answer.status)

    async def reset(self, hard: bool) -> bool:
        """Reset the charger."""
        answer = await self._ask(
            call.Reset(type=ResetType.hard if hard else ResetType.soft)
        )
        return bool(answer.status == ResetStatus.accepted)


def _read_meter(
    connector: ConnectorState, sample: dict[str, Any], now: datetime
) -> None:
    """Take one MeterValue's samples; a value that is not a number is not taken.

    A sample older than the last one taken (sent late, after a reconnection) is not taken;
    its time is the charger's, never later than ours.
    """
    taken_at = min(parse_time(sample.get("timestamp")) or now, now)
    if connector.metered_at is not None and taken_at < connector.metered_at:
        return
    lines: list[float | None] = list(connector.line_a)
    per_line = False
    for value in sample.get("sampled_value", []):
        measurand = value.get("measurand", "Energy.Active.Import.Register")
        amount = parse_number(value.get("value"))
        if amount is None:
            continue
        unit = value.get("unit", "")
        if measurand == "Current.Import":
            phase = _PHASES.get(value.get("phase", ""))
            if phase is None:
                connector.current_a = amount
            else:
                lines[phase], per_line = amount, True
        elif measurand == "Current.Offered":
            connector.offered_a = amount
        elif measurand == "Power.Active.Import":
            connector.power_w = amount * 1000 if unit == "kW" else amount
        elif measurand == "Energy.Active.Import.Register":
            connector.energy_wh = amount * 1000 if unit == "kWh" else amount
        elif measurand == "SoC":
            connector.soc = amount
    if per_line:
        connector.line_a = (lines[0], lines[1], lines[2])
    connector.metered_at = taken_at

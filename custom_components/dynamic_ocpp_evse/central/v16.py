"""The OCPP 1.6J conversation with one charger, from the central system's side."""

from __future__ import annotations

from typing import Any, ClassVar

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

from .conversation import (
    HEARTBEAT_S,
    ID_TAG,
    LOGGER,
    MEASURANDS,
    METER_INTERVAL_S,
    Conversation,
)


class Charger16(Conversation, ChargePoint):  # type: ignore[misc]
    """One connected OCPP 1.6J charger: its requests update `state`, ours go out as calls."""

    format_error: ClassVar[str] = "FormationViolation"

    # --- what the charger tells us --------------------------------------------------------

    @on(Action.boot_notification)
    def _boot(
        self,
        charge_point_vendor: str,
        charge_point_model: str,
        firmware_version: str = "",
        **_: Any,
    ) -> Any:
        self._booted(charge_point_vendor, charge_point_model, firmware_version)
        # Its clock follows ours.
        return call_result.BootNotification(
            current_time=self._now(),
            interval=HEARTBEAT_S,
            status=RegistrationStatus.accepted,
        )

    @after(Action.boot_notification)
    def _configure(self, **_: Any) -> None:
        self.soon(self._configure_meter_values())

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
        self._metered(connector_id, meter_value)
        return call_result.MeterValues()

    @on(Action.authorize)
    def _authorize(self, id_tag: str) -> Any:
        return call_result.Authorize(
            id_tag_info={"status": AuthorizationStatus.accepted}
        )

    @on(Action.start_transaction)
    def _start(self, connector_id: int, id_tag: str, **_: Any) -> Any:
        transaction = self._new_id()
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
        if not isinstance(transaction, int):
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

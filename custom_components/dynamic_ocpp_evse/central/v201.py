"""The OCPP 2.0.1 conversation with one charger, from the central system's side.

A connector of ours is an EVSE of the charging station (its first connector). What 2.0.1 tells
in StatusNotification (the connector) and TransactionEvent (the session and its charging
state) is kept in the 1.6 words the rest of the integration reads (`Charging`, `SuspendedEV`,
`Preparing`, ...); our profiles are written in 1.6 form and said here in 2.0.1's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.exceptions import OCPPError
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import (
    Action,
    AuthorizationStatusEnumType,
    DataTransferStatusEnumType,
    GenericStatusEnumType,
    IdTokenEnumType,
    MessageTriggerEnumType,
    NotifyEVChargingNeedsStatusEnumType,
    OperationalStatusEnumType,
    RegistrationStatusEnumType,
    RequestStartStopStatusEnumType,
    ResetEnumType,
    SetVariableStatusEnumType,
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

# A session's charging state, in the 1.6 status words the integration reads.
_CHARGING_STATES = {
    "Charging": "Charging",
    "SuspendedEV": "SuspendedEV",
    "SuspendedEVSE": "SuspendedEVSE",
    "EVConnected": "Preparing",
    "Idle": "Preparing",
}
# A connector's status without a session in 1.6 words (Occupied: a car, no session yet).
_CONNECTOR_STATES = {
    "Available": "Available",
    "Occupied": "Preparing",
    "Reserved": "Reserved",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}
_ACCEPTED = {"status": AuthorizationStatusEnumType.accepted}


class Charger201(Conversation, ChargePoint):  # type: ignore[misc]
    """One connected OCPP 2.0.1 charging station."""

    format_error: ClassVar[str] = "FormatViolation"

    # --- what the charger tells us --------------------------------------------------------

    @on(Action.boot_notification)
    def _boot(self, charging_station: dict[str, Any], **_: Any) -> Any:
        self._booted(
            str(charging_station.get("vendor_name", "")),
            str(charging_station.get("model", "")),
            str(charging_station.get("firmware_version", "")),
        )
        # Its clock follows ours.
        return call_result.BootNotification(
            current_time=self._now(),
            interval=HEARTBEAT_S,
            status=RegistrationStatusEnumType.accepted,
        )

    @after(Action.boot_notification)
    def _configure(self, **_: Any) -> None:
        self.soon(self._configure_meter_values())

    @on(Action.heartbeat)
    def _heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=self._now())

    @on(Action.status_notification)
    def _status(self, connector_status: str, evse_id: int, **_: Any) -> Any:
        if evse_id > 0:
            connector = self.state.connector(evse_id)
            if connector_status == "Available":
                connector.transaction_id = None
            if connector_status != "Occupied" or connector.transaction_id is None:
                # A session's own state comes with its TransactionEvents.
                self._set_status(evse_id, _CONNECTOR_STATES.get(connector_status))
        self._changed()
        return call_result.StatusNotification()

    @on(Action.transaction_event)
    def _transaction(
        self,
        event_type: str,
        transaction_info: dict[str, Any],
        evse: dict[str, Any] | None = None,
        meter_value: list[dict[str, Any]] | None = None,
        id_token: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        transaction = str(transaction_info.get("transaction_id", ""))
        number = (
            int(evse["id"]) if evse and "id" in evse else self._evse_of(transaction)
        )
        if number:
            # Its readings first: the state after them says whether the car draws now.
            self._metered(number, meter_value or [])
            connector = self.state.connector(number)
            if event_type == "Ended":
                connector.transaction_id = None
                self._set_status(number, "Finishing")
            else:
                connector.transaction_id = transaction
                state = transaction_info.get("charging_state")
                if state in _CHARGING_STATES:
                    self._set_status(number, _CHARGING_STATES[state])
            self._changed()
        if id_token is not None:
            return call_result.TransactionEvent(id_token_info=_ACCEPTED)
        return call_result.TransactionEvent()

    def _set_status(self, number: int, status: str | None) -> None:
        """A connector's status; one that does not charge draws nothing."""
        connector = self.state.connector(number)
        connector.status = status
        if status != "Charging":
            connector.line_a, connector.current_a = (0.0, 0.0, 0.0), 0.0

    def _evse_of(self, transaction: str) -> int:
        """The EVSE a transaction runs on (0: not known)."""
        return next(
            (
                number
                for number, connector in self.state.connectors.items()
                if connector.transaction_id == transaction
            ),
            0,
        )

    @on(Action.meter_values)
    def _meter_values(
        self, evse_id: int, meter_value: list[dict[str, Any]], **_: Any
    ) -> Any:
        self._metered(evse_id, meter_value)
        return call_result.MeterValues()

    @on(Action.authorize)
    def _authorize(self, id_token: dict[str, Any], **_: Any) -> Any:
        return call_result.Authorize(id_token_info=_ACCEPTED)

    @on(Action.notify_ev_charging_needs)
    def _charging_needs(self, **_: Any) -> Any:
        # Its needs are taken as they come: the site decides what it may draw.
        return call_result.NotifyEVChargingNeeds(
            status=NotifyEVChargingNeedsStatusEnumType.rejected
        )

    @on(Action.data_transfer)
    def _data_transfer(self, vendor_id: str, **_: Any) -> Any:
        return call_result.DataTransfer(
            status=DataTransferStatusEnumType.unknown_vendor_id
        )

    @on(Action.notify_event)
    def _event(self, **_: Any) -> Any:
        return call_result.NotifyEvent()

    @on(Action.notify_report)
    def _report(self, **_: Any) -> Any:
        return call_result.NotifyReport()

    @on(Action.security_event_notification)
    def _security_event(self, **_: Any) -> Any:
        return call_result.SecurityEventNotification()

    @on(Action.firmware_status_notification)
    def _firmware_status(self, **_: Any) -> Any:
        return call_result.FirmwareStatusNotification()

    @on(Action.log_status_notification)
    def _log_status(self, **_: Any) -> Any:
        return call_result.LogStatusNotification()

    @on(Action.notify_charging_limit)
    def _charging_limit(self, **_: Any) -> Any:
        return call_result.NotifyChargingLimit()

    @on(Action.cleared_charging_limit)
    def _cleared_limit(self, **_: Any) -> Any:
        return call_result.ClearedChargingLimit()

    @on(Action.report_charging_profiles)
    def _charging_profiles(self, **_: Any) -> Any:
        return call_result.ReportChargingProfiles()

    # --- what we ask of it ----------------------------------------------------------------

    async def where_it_stands(self) -> None:
        """Every connector's status, its readings and its sessions, asked for at once."""
        for message in (
            MessageTriggerEnumType.status_notification,
            MessageTriggerEnumType.transaction_event,
            MessageTriggerEnumType.meter_values,
        ):
            try:
                await self._ask(call.TriggerMessage(requested_message=message))
            except (OCPPError, TimeoutError, ConnectionClosed) as err:
                LOGGER.debug("%s: TriggerMessage %s: %r", self.id, message, err)

    async def _configure_meter_values(self) -> None:
        """Meter values every few seconds in a session and out of one; without SoC if need be."""
        try:
            for measurands in (MEASURANDS, MEASURANDS[:-1]):
                if await self._set_meter_variables(",".join(measurands)):
                    return
            LOGGER.warning("%s does not report the measurands we ask for", self.id)
        except (OCPPError, TimeoutError, ConnectionClosed) as err:
            LOGGER.debug("%s: meter values not configured: %r", self.id, err)

    async def _set_meter_variables(self, measurands: str) -> bool:
        """Set the sampled and clock-aligned measurands and intervals: all taken?"""
        interval = str(METER_INTERVAL_S)
        wanted = [
            ("SampledDataCtrlr", "TxUpdatedInterval", interval),
            ("SampledDataCtrlr", "TxUpdatedMeasurands", measurands),
            ("AlignedDataCtrlr", "Interval", interval),
            ("AlignedDataCtrlr", "Measurands", measurands),
        ]
        answer = await self._ask(
            call.SetVariables(
                set_variable_data=[
                    {
                        "attribute_value": value,
                        "component": {"name": component},
                        "variable": {"name": variable},
                    }
                    for component, variable, value in wanted
                ]
            )
        )
        taken = (
            SetVariableStatusEnumType.accepted,
            SetVariableStatusEnumType.reboot_required,
        )
        return all(
            result.get("attribute_status") in taken
            for result in answer.set_variable_result
        )

    async def set_profile(self, connector: int, profile: dict[str, Any]) -> str:
        """SetChargingProfile on the EVSE, in 2.0.1's form; the charger's answer."""
        answer = await self._ask(
            call.SetChargingProfile(evse_id=connector, charging_profile=_v201(profile))
        )
        return str(answer.status)

    async def clear_profile(self, profile_id: int) -> str:
        """ClearChargingProfile of one profile by its id."""
        answer = await self._ask(
            call.ClearChargingProfile(charging_profile_id=profile_id)
        )
        return str(answer.status)

    async def composite_schedule(
        self, connector: int, duration_s: int, unit: str
    ) -> dict[str, Any] | None:
        """The schedule the EVSE will apply, in its own clock (None: rejected)."""
        # Chargers round limits their own way: the answer is read, not judged by the schema.
        answer = await self.call(
            call.GetCompositeSchedule(
                duration=duration_s, evse_id=connector, charging_rate_unit=unit
            ),
            suppress=False,
            skip_schema_validation=True,
        )
        schedule = answer.schedule
        if answer.status != GenericStatusEnumType.accepted or not schedule:
            return None
        return {
            "schedule_start": schedule.get("schedule_start"),
            "charging_schedule": {
                "charging_rate_unit": schedule.get("charging_rate_unit"),
                "charging_schedule_period": schedule.get(
                    "charging_schedule_period", []
                ),
            },
        }

    async def start_transaction(self, connector: int) -> bool:
        """RequestStartTransaction on the EVSE."""
        answer = await self._ask(
            call.RequestStartTransaction(
                id_token={"id_token": ID_TAG, "type": IdTokenEnumType.central},
                remote_start_id=self._new_id(),
                evse_id=connector,
            )
        )
        return bool(answer.status == RequestStartStopStatusEnumType.accepted)

    async def stop_transaction(self, connector: int) -> bool:
        """RequestStopTransaction of the EVSE's transaction (False: none known)."""
        transaction = self.state.connector(connector).transaction_id
        if not isinstance(transaction, str):
            return False
        answer = await self._ask(
            call.RequestStopTransaction(transaction_id=transaction)
        )
        return bool(answer.status == RequestStartStopStatusEnumType.accepted)

    async def change_availability(self, connector: int, *, operative: bool) -> str:
        """ChangeAvailability of the EVSE: its answer (Accepted, Rejected, Scheduled)."""
        answer = await self._ask(
            call.ChangeAvailability(
                operational_status=OperationalStatusEnumType.operative
                if operative
                else OperationalStatusEnumType.inoperative,
                evse={"id": connector},
            )
        )
        return str(answer.status)

    async def reset(self, hard: bool) -> bool:
        """Reset the station: at once, or once its sessions end."""
        answer = await self._ask(
            call.Reset(type=ResetEnumType.immediate if hard else ResetEnumType.on_idle)
        )
        return str(answer.status) in ("Accepted", "Scheduled")


def _v201(profile: dict[str, Any]) -> dict[str, Any]:
    """A charging profile written in 1.6 form, in 2.0.1's: one schedule in a list, `id`s."""
    said = {
        "id": profile["chargingProfileId"],
        "stackLevel": profile["stackLevel"],
        "chargingProfilePurpose": profile["chargingProfilePurpose"],
        "chargingProfileKind": profile["chargingProfileKind"],
        "chargingSchedule": [
            {"id": profile["chargingProfileId"]} | profile["chargingSchedule"]
        ],
    }
    for optional in ("validFrom", "validTo", "transactionId"):
        if optional in profile:
            said[optional] = profile[optional]
    return said

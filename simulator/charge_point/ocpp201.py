"""The reference charger's OCPP 2.0.1: the endpoint that answers a central system, and what it says.

The station (`station.py`) is the same for every version. In 2.0.1 a connector of the station is
an EVSE with one connector; the session is a transaction the charger names itself, told in
TransactionEvents (Started, Updated with its charging state and meter values, Ended), the
connector's own state in StatusNotification (Available, Occupied, Unavailable). Profiles arrive
in 2.0.1's form and are kept in the same store as 1.6's; its variables map onto the same
configuration (SampledDataCtrlr.TxUpdatedInterval is the meter interval, and so on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action

from .smart_charging import Purpose, format_time
from .speech import ID_TAG, Reading, Recording

if TYPE_CHECKING:
    from .station import Connector, ReferenceCharger

# A session's status in the station's (1.6) words -> 2.0.1's charging state.
_CHARGING_STATES = {
    "Charging": "Charging",
    "SuspendedEV": "SuspendedEV",
    "SuspendedEVSE": "SuspendedEVSE",
    "Preparing": "EVConnected",
    "Finishing": "EVConnected",
}
_CONNECTOR_STATES = {"Available", "Unavailable", "Faulted", "Reserved"}  # else Occupied
# Why a session ended (1.6 reason) -> what triggered its last TransactionEvent.
_STOP_TRIGGERS = {
    "EVDisconnected": "EVCommunicationLost",
    "Remote": "RemoteStop",
    "Reboot": "ResetCommand",
}
# 2.0.1 variables onto the station's configuration keys.
_VARIABLES = {
    ("SampledDataCtrlr", "TxUpdatedInterval"): "MeterValueSampleInterval",
    ("SampledDataCtrlr", "TxUpdatedMeasurands"): "MeterValuesSampledData",
    ("AlignedDataCtrlr", "Interval"): "ClockAlignedDataInterval",
    ("AlignedDataCtrlr", "Measurands"): "MeterValuesSampledData",
    ("OCPPCommCtrlr", "HeartbeatInterval"): "HeartbeatInterval",
    ("SmartChargingCtrlr", "ProfileStackLevel"): "ChargeProfileMaxStackLevel",
    ("SmartChargingCtrlr", "RateUnit"): "ChargingScheduleAllowedChargingRateUnit",
}
_SET_ANSWERS = {
    "Accepted": "Accepted",
    "Rejected": "Rejected",
    "NotSupported": "UnknownVariable",
}


def _as_16(profile: dict[str, Any]) -> dict[str, Any]:
    """A 2.0.1 charging profile (camelCase, as received) in 1.6's form, for the store."""
    schedule = dict(profile["chargingSchedule"][0])
    schedule.pop("id", None)
    purpose = profile["chargingProfilePurpose"]
    said = {
        "chargingProfileId": profile["id"],
        "stackLevel": profile["stackLevel"],
        "chargingProfilePurpose": "ChargePointMaxProfile"
        if purpose == "ChargingStationMaxProfile"
        else purpose,
        "chargingProfileKind": profile["chargingProfileKind"],
        "chargingSchedule": schedule,
    }
    for key in ("validFrom", "validTo", "transactionId", "recurrencyKind"):
        if key in profile:
            said[key] = profile[key]
    return said


class Link201(Recording, ChargePoint):  # type: ignore[misc]
    """The OCPP 2.0.1 endpoint; every request is handed to the station."""

    @on(Action.set_charging_profile)
    def _set_charging_profile(
        self, evse_id: int, charging_profile: Any, call_unique_id: str
    ) -> Any:
        payload = self.payload(call_unique_id)["chargingProfile"]
        try:
            status = self.station.set_profile(evse_id, _as_16(payload))
        except (KeyError, IndexError, TypeError):
            status = "Rejected"
        return call_result.SetChargingProfile(status=status)

    @on(Action.clear_charging_profile)
    def _clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
    ) -> Any:
        criteria = charging_profile_criteria or {}
        purpose = criteria.get("charging_profile_purpose")
        removed = self.station.profiles.clear(
            profile_id=charging_profile_id,
            connector=criteria.get("evse_id"),
            purpose=Purpose(purpose) if purpose in set(Purpose) else None,
            stack_level=criteria.get("stack_level"),
        )
        return call_result.ClearChargingProfile(
            status="Accepted" if removed else "Unknown"
        )

    @on(Action.get_composite_schedule)
    def _get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None
    ) -> Any:
        unit = charging_rate_unit or "A"
        periods = self.station.composite(evse_id, duration, unit)
        if periods is None:
            return call_result.GetCompositeSchedule(status="Rejected")
        return call_result.GetCompositeSchedule(
            status="Accepted",
            schedule={
                "evseId": evse_id,
                "duration": duration,
                "scheduleStart": format_time(self.station.clock()),
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": periods,
            },
        )

    @on(Action.request_start_transaction)
    def _request_start(
        self, id_token: Any, remote_start_id: int, evse_id: int | None = None, **_: Any
    ) -> Any:
        connector = self.station.remote_start(evse_id)
        if connector is not None:
            self.station.connectors[connector].remote_start_id = remote_start_id
        return call_result.RequestStartTransaction(
            status="Accepted" if connector is not None else "Rejected"
        )

    @on(Action.request_stop_transaction)
    def _request_stop(self, transaction_id: str, **_: Any) -> Any:
        found = self.station.remote_stop(transaction_id)
        return call_result.RequestStopTransaction(
            status="Accepted" if found else "Rejected"
        )

    @on(Action.reset)
    def _reset(self, type: str, evse_id: int | None = None) -> Any:  # noqa: A002
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def _after_reset(self, type: str, evse_id: int | None = None) -> None:  # noqa: A002
        self.station.soon(self.station.reboot())

    @on(Action.change_availability)
    def _change_availability(
        self, operational_status: str, evse: dict[str, Any] | None = None
    ) -> Any:
        number = int(evse["id"]) if evse else 0
        return call_result.ChangeAvailability(
            status=self.station.change_availability(
                number, operational_status == "Operative"
            )
        )

    @on(Action.trigger_message)
    def _trigger_message(
        self, requested_message: str, evse: dict[str, Any] | None = None
    ) -> Any:
        known = requested_message in (
            "BootNotification",
            "StatusNotification",
            "MeterValues",
            "Heartbeat",
            "TransactionEvent",
        )
        return call_result.TriggerMessage(
            status="Accepted" if known else "NotImplemented"
        )

    @after(Action.trigger_message)
    def _triggered(
        self, requested_message: str, evse: dict[str, Any] | None = None
    ) -> None:
        number = int(evse["id"]) if evse else None
        self.station.soon(self.station.triggered(requested_message, number))

    @on(Action.set_variables)
    def _set_variables(self, set_variable_data: list[dict[str, Any]]) -> Any:
        results = []
        for item in set_variable_data:
            component, variable = item["component"], item["variable"]
            key = _VARIABLES.get((component["name"], variable["name"]))
            status = (
                _SET_ANSWERS[
                    self.station.change_configuration(key, str(item["attribute_value"]))
                ]
                if key is not None
                else "UnknownVariable"
            )
            results.append(
                {
                    "attribute_status": status,
                    "component": component,
                    "variable": variable,
                }
            )
        return call_result.SetVariables(set_variable_result=results)

    @on(Action.get_variables)
    def _get_variables(self, get_variable_data: list[dict[str, Any]]) -> Any:
        results = []
        for item in get_variable_data:
            component, variable = item["component"], item["variable"]
            key = _VARIABLES.get((component["name"], variable["name"]))
            value = self.station.config.get(key) if key is not None else None
            result: dict[str, Any] = {
                "attribute_status": "Accepted"
                if value is not None
                else "UnknownVariable",
                "component": component,
                "variable": variable,
            }
            if value is not None:
                result["attribute_value"] = value
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on(Action.data_transfer)
    def _data_transfer(self, vendor_id: str, **_: Any) -> Any:
        return call_result.DataTransfer(status="UnknownVendorId")


class Speech201:
    """What a 2.0.1 charging station sends."""

    subprotocol = "ocpp2.0.1"
    endpoint = Link201

    def boot(self, station: ReferenceCharger) -> Any:
        """BootNotification after power-up."""
        spec = station.spec
        return call.BootNotification(
            charging_station={
                "model": spec.model,
                "vendor_name": spec.vendor,
                "firmware_version": spec.firmware,
            },
            reason="PowerUp",
        )

    def is_boot(self, payload: Any) -> bool:
        """Whether a payload is its BootNotification (the only one sent before it is let in)."""
        return isinstance(payload, call.BootNotification)

    def heartbeat(self) -> Any:
        """Heartbeat."""
        return call.Heartbeat()

    async def report(
        self, station: ReferenceCharger, c: Connector, status: str, *, always: bool
    ) -> bool:
        """The connector's state when it changed; a session's charging state when it did."""
        connector = status if status in _CONNECTOR_STATES else "Occupied"
        if always or connector != c.reported_connector:
            answer = await station.call(
                call.StatusNotification(
                    timestamp=format_time(station.clock()),
                    connector_status=connector,
                    evse_id=c.id,
                    connector_id=1,
                )
            )
            if answer is None:
                return False
            c.reported_connector = connector
        state = _CHARGING_STATES.get(status)
        before = _CHARGING_STATES.get(c.reported or "")
        if c.tx_id is None or state is None or (state == before and not always):
            return True
        event = self._event(station, c, "Updated", "ChargingStateChanged", state)
        return await station.call(event) is not None

    def start(self, station: ReferenceCharger, c: Connector) -> tuple[Any, str | None]:
        """TransactionEvent Started, with the transaction id the station makes."""
        proposed = f"{station.spec.cp_id}-{c.id}-{int(station.clock().timestamp())}"
        trigger = "RemoteStart" if c.remote_start_id is not None else "CablePluggedIn"
        return (
            self._event(
                station,
                c,
                "Started",
                trigger,
                "EVConnected",
                tx_id=proposed,
                id_token=True,
            ),
            proposed,
        )

    def started(self, answer: Any, proposed: str | None) -> int | str | None:
        """The transaction runs once the central system answered (and did not refuse it)."""
        if answer is None:
            return None
        info = answer.id_token_info or {"status": "Accepted"}
        return proposed if info.get("status") == "Accepted" else None

    def stop(
        self, station: ReferenceCharger, c: Connector, tx_id: int | str, reason: str
    ) -> Any:
        """TransactionEvent Ended."""
        return self._event(
            station,
            c,
            "Ended",
            _STOP_TRIGGERS.get(reason, "StopAuthorized"),
            None,
            tx_id=str(tx_id),
            stopped_reason=reason,
        )

    def meter(
        self,
        station: ReferenceCharger,
        c: Connector,
        readings: list[Reading],
        *,
        triggered: bool = False,
    ) -> Any:
        """In a session a TransactionEvent Updated with the readings; else MeterValues."""
        context = "Trigger" if triggered else "Sample.Periodic"
        values = []
        for reading in readings:
            sample: dict[str, Any] = {
                "value": round(reading.value, 1),
                "context": context,
                "measurand": reading.measurand,
                "unit_of_measure": {"unit": reading.unit},
            }
            if reading.phase is not None:
                sample["phase"] = reading.phase
            values.append(sample)
        meter_value = [
            {"timestamp": format_time(station.clock()), "sampled_value": values}
        ]
        if c.tx_id is None:
            return call.MeterValues(evse_id=c.id, meter_value=meter_value)
        trigger = "Trigger" if triggered else "MeterValuePeriodic"
        state = _CHARGING_STATES.get(c.reported or "")
        return self._event(station, c, "Updated", trigger, state, meter=meter_value)

    def _event(
        self,
        station: ReferenceCharger,
        c: Connector,
        event_type: str,
        trigger: str,
        state: str | None,
        *,
        tx_id: str | None = None,
        meter: list[dict[str, Any]] | None = None,
        id_token: bool = False,
        stopped_reason: str | None = None,
    ) -> Any:
        """One TransactionEvent of the connector's session, numbered."""
        info: dict[str, Any] = {"transaction_id": tx_id or str(c.tx_id)}
        if state is not None:
            info["charging_state"] = state
        if stopped_reason is not None:
            info["stopped_reason"] = stopped_reason
        if event_type == "Started" and c.remote_start_id is not None:
            info["remote_start_id"] = c.remote_start_id
        seq, c.seq = c.seq, c.seq + 1
        return call.TransactionEvent(
            event_type=event_type,
            timestamp=format_time(station.clock()),
            trigger_reason=trigger,
            seq_no=seq,
            transaction_info=info,
            meter_value=meter,
            evse={"id": c.id, "connector_id": 1},
            id_token={"id_token": ID_TAG, "type": "Local"} if id_token else None,
        )

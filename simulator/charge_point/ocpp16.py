"""The reference charger's OCPP 1.6J: the endpoint that answers a central system, and what it says.

The station (`station.py`) is the same for every version; this is how it speaks 1.6.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    ChargePointErrorCode,
    ClearChargingProfileStatus,
    DataTransferStatus,
    GetCompositeScheduleStatus,
    MessageTrigger,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
)

from .smart_charging import Purpose, format_time
from .speech import ID_TAG, WRITABLE, Reading, Recording

if TYPE_CHECKING:
    from .station import Connector, ReferenceCharger


class Link16(Recording, ChargePoint):  # type: ignore[misc]
    """The OCPP 1.6 endpoint; every request is handed to the station."""

    @on(Action.get_configuration)
    def _get_configuration(self, key: list[str] | None = None) -> Any:
        config = self.station.config
        wanted = key or list(config)
        known = [
            {"key": k, "readonly": k not in WRITABLE, "value": config[k]}
            for k in wanted
            if k in config
        ]
        unknown = [k for k in wanted if k not in config]
        return call_result.GetConfiguration(
            configuration_key=known or None, unknown_key=unknown or None
        )

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
        unit = charging_rate_unit or "A"
        periods = self.station.composite(connector_id, duration, unit)
        if periods is None:
            return call_result.GetCompositeSchedule(
                status=GetCompositeScheduleStatus.rejected
            )
        now = format_time(self.station.clock())
        return call_result.GetCompositeSchedule(
            status=GetCompositeScheduleStatus.accepted,
            connector_id=connector_id,
            schedule_start=now,
            charging_schedule={
                "duration": duration,
                "startSchedule": now,
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": periods,
            },
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


class Speech16:
    """What a 1.6J charge point sends."""

    subprotocol = "ocpp1.6"
    endpoint = Link16

    def boot(self, station: ReferenceCharger) -> Any:
        """BootNotification."""
        spec = station.spec
        return call.BootNotification(
            charge_point_model=spec.model,
            charge_point_vendor=spec.vendor,
            firmware_version=spec.firmware,
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
        """StatusNotification of the connector; whether it went out."""
        answer = await station.call(
            call.StatusNotification(
                connector_id=c.id,
                error_code=ChargePointErrorCode.no_error,
                status=status,
                timestamp=format_time(station.clock()),
            )
        )
        return answer is not None

    def start(self, station: ReferenceCharger, c: Connector) -> tuple[Any, str | None]:
        """StartTransaction (the central system gives the transaction id)."""
        return (
            call.StartTransaction(
                connector_id=c.id,
                id_tag=ID_TAG,
                meter_start=round(c.energy_wh),
                timestamp=format_time(station.clock()),
            ),
            None,
        )

    def started(self, answer: Any, proposed: str | None) -> int | str | None:
        """The transaction id its answer gives (None: not accepted)."""
        if answer is None or answer.id_tag_info["status"] != "Accepted":
            return None
        return int(answer.transaction_id)

    def stop(
        self, station: ReferenceCharger, c: Connector, tx_id: int | str, reason: str
    ) -> Any:
        """StopTransaction."""
        return call.StopTransaction(
            meter_stop=round(c.energy_wh),
            timestamp=format_time(station.clock()),
            transaction_id=int(tx_id),
            reason=reason,
        )

    def meter(
        self,
        station: ReferenceCharger,
        c: Connector,
        readings: list[Reading],
        *,
        triggered: bool = False,
    ) -> Any:
        """MeterValues with the readings."""
        values: list[dict[str, Any]] = []
        for reading in readings:
            sample: dict[str, Any] = {
                "value": reading.text(),
                "context": "Trigger" if triggered else "Sample.Periodic",
                "measurand": reading.measurand,
                "unit": reading.unit,
            }
            if reading.phase is not None:
                sample["phase"] = reading.phase
            values.append(sample)
        return call.MeterValues(
            connector_id=c.id,
            transaction_id=c.tx_id if isinstance(c.tx_id, int) else None,
            meter_value=[
                {"timestamp": format_time(station.clock()), "sampledValue": values}
            ],
        )

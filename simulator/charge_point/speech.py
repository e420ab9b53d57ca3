"""What the reference charger's OCPP versions share.

Its record of what crossed the wire, and what it measures before a version words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
import json
from typing import TYPE_CHECKING, Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case

if TYPE_CHECKING:
    from .station import ReferenceCharger

ID_TAG = "reference"
# Configuration keys a central system may change (1.6 names; 2.0.1 variables map onto them).
WRITABLE = {
    "HeartbeatInterval",
    "MeterValueSampleInterval",
    "ClockAlignedDataInterval",
    "MeterValuesSampledData",
}


@dataclass(slots=True)
class Message:
    """One OCPP CALL as it crossed the wire."""

    at: datetime  # by the charger's clock
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reading:
    """One value the charger measured, before a version words it."""

    measurand: str
    value: float
    unit: str
    phase: str | None = None

    def text(self) -> str:
        """The value as 1.6 sends it (a string), amps to a tenth."""
        return f"{self.value:.1f}" if self.unit == "A" else f"{self.value:.0f}"


class Recording:
    """An endpoint that records every request of the central system (`station.received`)."""

    station: ReferenceCharger

    def __init__(self, station: ReferenceCharger, connection: Any) -> None:
        """The endpoint of `station` over `connection`."""
        super().__init__(station.spec.cp_id, connection, response_timeout=30)  # type: ignore[call-arg]
        self.station = station
        self.raw: dict[str, dict[str, Any]] = {}

    async def route_message(self, raw_msg: str) -> None:
        """Record a request, then answer it."""
        message = json.loads(raw_msg)
        if message[0] == 2:  # a CALL from the central system
            self.raw[message[1]] = message[3]
            self.station.received.append(
                Message(self.station.clock(), message[2], message[3])
            )
        await super().route_message(raw_msg)  # type: ignore[misc]

    def payload(self, unique_id: str) -> dict[str, Any]:
        """A request's payload as it came (camelCase)."""
        return self.raw.pop(unique_id)


def camel(payload: Any) -> dict[str, Any]:
    """A CALL payload as it goes over the wire (for the record)."""
    result: dict[str, Any] = snake_to_camel_case(
        remove_nones(serialize_as_dict(payload))
    )
    return result

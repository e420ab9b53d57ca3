"""What a conversation with one charger does whatever OCPP version it speaks.

It guards the conversation (garbage and floods), runs our requests beside it, and names what
we ask of a charger; `v16.py` and `v201.py` say it in their version.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
import json
import logging
import time
from typing import Any, ClassVar

from ocpp.charge_point import ChargePoint

from ..engine.units import parse_number
from .link import ChargerState, ConnectorState
from .times import format_time, parse_time

LOGGER = logging.getLogger(__name__)
HEARTBEAT_S = 300  # what a charger is told at boot
METER_INTERVAL_S = 10  # how often every charger is asked to report its meter
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


class Conversation(ChargePoint, ABC):  # type: ignore[misc]
    """One connected charger: its requests update `state`, ours go out as calls."""

    # The CALLERROR code for a frame that is not an OCPP-J message, in this version.
    format_error: ClassVar[str]

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
        self._received: list[float] = []  # when its recent messages came
        self._tasks: set[asyncio.Task[None]] = set()  # requests of ours in flight
        # Ids we give (transactions, remote starts) stay unique over restarts of HA.
        self._last_id = int(clock().timestamp())

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
            await self._send(
                json.dumps([4, "-1", self.format_error, "Not an OCPP-J message", {}])
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

    def _new_id(self) -> int:
        """An id not given before."""
        self._last_id += 1
        return self._last_id

    def _now(self) -> str:
        return format_time(self._clock())

    def soon(self, work: Coroutine[Any, Any, None]) -> None:
        """Ask the charger something beside the conversation; ends with the connection."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_tasks(self) -> None:
        """The connection is gone: what we were asking goes with it."""
        for task in self._tasks:
            task.cancel()

    async def _ask(self, payload: Any) -> Any:
        """A call; an error answer raises (OCPPError), no answer in time too (TimeoutError)."""
        return await self.call(payload, suppress=False)

    def _booted(self, vendor: str, model: str, firmware: str) -> None:
        """A BootNotification: who it is; a boot loses every profile on many chargers."""
        state = self.state
        state.vendor, state.model, state.firmware = vendor, model, firmware
        state.boots += 1
        self._changed()

    def _metered(self, connector: int, meter_value: list[dict[str, Any]]) -> None:
        """Take the newest of its meter values for a connector."""
        if connector > 0 and meter_value:
            _read_meter(self.state.connector(connector), meter_value[-1], self._clock())
            self._changed()

    # --- what we ask of it ----------------------------------------------------------------

    @abstractmethod
    async def where_it_stands(self) -> None:
        """On a new connection: every connector's status and readings, asked for at once."""

    @abstractmethod
    async def set_profile(self, connector: int, profile: dict[str, Any]) -> str:
        """Install a profile (in OCPP 1.6 form, camelCase): the charger's answer."""

    @abstractmethod
    async def clear_profile(self, profile_id: int) -> str:
        """Clear one profile by its id: the charger's answer."""

    @abstractmethod
    async def composite_schedule(
        self, connector: int, duration_s: int, unit: str
    ) -> dict[str, Any] | None:
        """What it will apply, in its own clock (None: rejected).

        As `schedule_start` and `charging_schedule` (`charging_rate_unit`,
        `charging_schedule_period` with `start_period` and `limit`).
        """

    @abstractmethod
    async def start_transaction(self, connector: int) -> bool:
        """Start a session remotely (False: refused)."""

    @abstractmethod
    async def stop_transaction(self, connector: int) -> bool:
        """Stop the connector's session remotely (False: refused, or none known)."""

    @abstractmethod
    async def change_availability(self, connector: int, *, operative: bool) -> str:
        """Put the connector in or out of service: the answer (Accepted, Rejected, Scheduled)."""

    @abstractmethod
    async def reset(self, hard: bool) -> bool:
        """Restart the charger (False: refused)."""


def _read_meter(
    connector: ConnectorState, sample: dict[str, Any], now: datetime
) -> None:
    """Take one MeterValue's samples; a value that is not a number is not taken.

    A sample older than the last one taken (sent late, after a reconnection) is not taken;
    its time is the charger's, never later than ours. The unit is 1.6's `unit` or 2.0.1's
    `unit_of_measure` (with its power-of-ten multiplier).
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
        if isinstance(measure := value.get("unit_of_measure"), dict):
            unit = measure.get("unit", "")
            multiplier = measure.get("multiplier", 0)
            if isinstance(multiplier, int) and -6 <= multiplier <= 6:
                amount *= 10**multiplier
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

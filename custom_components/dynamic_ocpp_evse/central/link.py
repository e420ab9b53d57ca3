"""One charger connected to the central system: what it told us, and what we can ask of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# OCPP 1.6 measurands we ask for, in the order a charger is offered them.
MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
    "SoC",
)


@dataclass(slots=True)
class ConnectorState:
    """What a connector last reported (None: never, or not since its charger connected)."""

    status: str | None = None  # ChargePointStatus, as the charger said it
    line_a: tuple[float | None, float | None, float | None] = (None, None, None)
    current_a: float | None = None  # Current.Import without a phase: every line
    offered_a: float | None = None
    power_w: float | None = None
    energy_wh: float | None = None
    soc: float | None = None
    transaction_id: int | None = None
    metered_at: datetime | None = None


@dataclass(slots=True)
class ChargerState:
    """A charger as the central system knows it."""

    cp_id: str
    connected: bool = False
    boots: int = 0  # BootNotifications and reconnections: its profiles may be gone
    vendor: str = ""
    model: str = ""
    firmware: str = ""
    connectors: dict[int, ConnectorState] = field(default_factory=dict)

    def connector(self, number: int) -> ConnectorState:
        """The connector's state (created empty on first use)."""
        return self.connectors.setdefault(number, ConnectorState())


class ChargerCommands(Protocol):
    """What the central system can ask of a connected charger (one OCPP version)."""

    async def set_profile(self, connector: int, profile: dict[str, Any]) -> str:
        """SetChargingProfile; the charger's answer (Accepted, Rejected, NotSupported)."""

    async def clear_profile(self, profile_id: int) -> str:
        """ClearChargingProfile of one of our profiles by its id; the charger's answer."""

    async def composite_schedule(
        self, connector: int, duration_s: int, unit: str
    ) -> dict[str, Any] | None:
        """GetCompositeSchedule: the schedule the charger will apply (None: rejected)."""

    async def start_transaction(self, connector: int) -> bool:
        """RemoteStartTransaction; whether it was accepted."""

    async def stop_transaction(self, connector: int) -> bool:
        """RemoteStopTransaction of the connector's transaction; whether it was accepted."""

    async def reset(self, hard: bool) -> bool:
        """Reset; whether it was accepted."""


type Listener = Callable[
    [str], None
]  # called with a charger's id when it reports anything

"""One charger connected to the central system: what it told us, whatever its OCPP version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    transaction_id: int | str | None = None  # 2.0.1's are strings the charger makes
    metered_at: datetime | None = None

    def forget(self) -> None:
        """Its charger is gone: nothing it said holds any more but its transaction.

        The next connection may be a rebooted charger whose clock is behind: its readings
        are taken in their own order again.
        """
        kept = ConnectorState(transaction_id=self.transaction_id)
        for name in self.__slots__:
            setattr(self, name, getattr(kept, name))


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

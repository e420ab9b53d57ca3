"""Profiles through our own central system: the charger answers us directly.

A rejected profile is an error the user sees (not a silent success); a charger that is not
connected, or does not answer in time, is unavailable; a new connection or a boot means the
profiles may be gone.
"""

from __future__ import annotations

from typing import Any

from homeassistant.exceptions import HomeAssistantError
from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ...central.link import ChargerState, ConnectorState
from ...central.server import CentralSystem
from ...central.v16 import Charger16
from ...const import DOMAIN
from ..kind import LoadUnavailable
from .config import EvseConfig
from .profiles import FAILSAFE_PROFILE_ID, WORKING_PROFILE_ID


class CentralTransport:
    """One connector of a charger connected to the built-in central system."""

    def __init__(self, central: CentralSystem | None, config: EvseConfig) -> None:
        """The connector `config` names, on `central` (None: the site runs no server)."""
        self._central = central
        self._config = config
        self._boots: int | None = (
            None  # the charger's connections and boots when last seen
        )

    @property
    def charger(self) -> ChargerState:
        """What the charger told the central system."""
        cp_id = self._config.charge_point_id
        if self._central is None:
            return ChargerState(cp_id)
        return self._central.chargers[cp_id]

    @property
    def connector(self) -> ConnectorState:
        """What the connector told it."""
        return self.charger.connector(self._config.connector)

    def check(self) -> None:
        """The charger must be connected."""
        self._link()

    def came_back(self) -> bool:
        """Whether it connected or booted since last asked."""
        boots = self.charger.boots
        moved = self._boots is not None and boots != self._boots
        self._boots = boots
        return moved

    def status(self) -> str | None:
        """The connector's last StatusNotification."""
        return self.connector.status

    def offered_a(self) -> float | None:
        """Its last Current.Offered."""
        return self.connector.offered_a

    def line_currents(self, lines: int) -> tuple[float | None, ...]:
        """Its last Current.Import per line, else without a phase on every line."""
        connector = self.connector
        if connector.status is None:
            return (None,) * lines
        per_line = connector.line_a[:lines]
        if any(amps is not None for amps in per_line):
            return per_line
        return (connector.current_a,) * lines

    async def set_profile(self, profile: dict[str, Any]) -> None:
        """SetChargingProfile; anything but Accepted is an error."""
        status = await self._ask(
            lambda link: link.set_profile(self._config.connector, profile)
        )
        if status != "Accepted":
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="profile_rejected",
                translation_placeholders={
                    "charger": self._config.charge_point_id,
                    "profile": str(profile["chargingProfileId"]),
                    "status": str(status),
                },
            )

    async def start_or_stop(self, *, charging: bool) -> None:
        """RemoteStart or RemoteStop, when the transaction is not as wanted."""
        running = self.connector.transaction_id is not None
        if running == charging or self.status() in (None, "Available"):
            return
        connector = self._config.connector
        await self._ask(
            lambda link: (
                link.start_transaction(connector)
                if charging
                else link.stop_transaction(connector)
            )
        )

    async def clear(self) -> None:
        """Our two profiles of this connector, by their ids (nobody else's)."""
        for profile_id in (WORKING_PROFILE_ID, FAILSAFE_PROFILE_ID):
            await self._ask(
                lambda link, p=profile_id + self._config.connector: link.clear_profile(
                    p
                )
            )

    def _link(self) -> Charger16:
        if self._central is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="ocpp_server_off"
            )
        link = self._central.link(self._config.charge_point_id)
        if link is None:
            raise LoadUnavailable(
                translation_domain=DOMAIN,
                translation_key="charger_unavailable",
                translation_placeholders={"charger": self._config.charge_point_id},
            )
        return link

    async def _ask(self, request: Any) -> Any:
        """One call to the charger; no answer (closed, timed out, an error) is unavailable."""
        link = self._link()
        try:
            return await request(link)
        except (ConnectionClosed, TimeoutError, OCPPError) as err:
            raise LoadUnavailable(
                translation_domain=DOMAIN,
                translation_key="charger_unavailable",
                translation_placeholders={"charger": self._config.charge_point_id},
            ) from err

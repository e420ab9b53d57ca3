"""Profiles through our own central system: the charger answers us directly.

A rejected profile is an error the user sees (not a silent success); a charger that is not
connected, or does not answer in time, is unavailable; a new connection or a boot means the
profiles may be gone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from ocpp.exceptions import OCPPError
from websockets.exceptions import ConnectionClosed

from ...central.conversation import METER_INTERVAL_S, Conversation
from ...central.link import ChargerState, ConnectorState
from ...central.server import CentralSystem
from ...central.times import parse_time
from ...const import DOMAIN, LOGGER
from ..kind import LoadUnavailable
from .config import EvseConfig
from .profiles import (
    FAILSAFE_PROFILE_ID,
    LAPSE_SLACK,
    WORKING_PROFILE_ID,
    ProfileRejected,
)

LAPSE_SLACK_S = int(
    LAPSE_SLACK.total_seconds()
)  # the failsafe applies this long after at most
READING_TIMEOUT = timedelta(
    seconds=3 * METER_INTERVAL_S
)  # a charging car's current expires


class CentralTransport:
    """One connector of a charger connected to the built-in central system."""

    def __init__(self, central: CentralSystem | None, config: EvseConfig) -> None:
        """The connector `config` names, on `central` (None: the site runs no server)."""
        self._central = central
        self._config = config
        # The charger's connections and boots when last seen.
        self._boots: int | None = None
        self.mismatch = ""  # how the charger's schedule differs from ours ('' for not)
        self.rejected = ""  # the profile it rejected last ('' once one is accepted)

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

    @property
    def watched(self) -> list[str]:
        """No entities: the central system reports the charger's every message itself."""
        return []

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
        """Its last Current.Import per line, else without a phase on every line.

        While the charger is away: the last it gave (what it drew when it went).
        """
        connector = self.connector
        stale = connector.metered_at is None or (
            dt_util.utcnow() - connector.metered_at > READING_TIMEOUT
        )
        if connector.status == "Charging" and stale:
            # A charging car's current not reported lately is not known (never its old value).
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
        self.rejected = (
            ""
            if status == "Accepted"
            else f"profile {profile['chargingProfileId']}: {status}"
        )
        if status != "Accepted":
            raise ProfileRejected(
                translation_domain=DOMAIN,
                translation_key="profile_rejected",
                translation_placeholders={
                    "charger": self._config.charge_point_id,
                    "profile": str(profile["chargingProfileId"]),
                    "status": str(status),
                },
            )

    async def verify(self, working: float, failsafe: float, unit: str) -> None:
        """Ask the charger what it will apply, beside the command (it must not delay it)."""
        link = (
            self._central.link(self._config.charge_point_id) if self._central else None
        )
        if link is not None:
            link.soon(self._check(link, working, failsafe, unit))

    async def _check(
        self, link: Conversation, working: float, failsafe: float, unit: str
    ) -> None:
        """The charger's composite schedule, in its own clock, against what we sent.

        Our working limit (or less) must hold now and the failsafe limit (or less) once the
        working profile's validity has passed; what differs is kept in `mismatch` for a repair
        issue. A charger that does not give its schedule, or not in a form we read, cannot be
        checked: that is no mismatch and no failure of the command.
        """
        validity = self._config.profile_validity_s
        try:
            schedule = await link.composite_schedule(
                self._config.connector,
                validity + 2 * LAPSE_SLACK_S,
                unit,
            )
        except (ConnectionClosed, TimeoutError, OCPPError) as err:
            LOGGER.debug("%s: no composite schedule: %r", link.id, err)
            return
        self.mismatch = (
            ""
            if schedule is None
            else _mismatch(
                schedule,
                working=working,
                failsafe=failsafe,
                lapsed_at=validity + LAPSE_SLACK_S,
                now=dt_util.utcnow(),
                unit=unit,
            )
        )

    async def start_or_stop(self, *, charging: bool) -> None:
        """RemoteStart or RemoteStop, when the transaction is not as wanted."""
        running = self.connector.transaction_id is not None
        if running == charging or self.status() in (None, "Available"):
            return
        await self.transaction(start=charging)

    async def clear(self) -> None:
        """Our two profiles of this connector, by their ids (nobody else's)."""
        for profile_id in (WORKING_PROFILE_ID, FAILSAFE_PROFILE_ID):
            await self._ask(
                lambda link, p=profile_id + self._config.connector: link.clear_profile(
                    p
                )
            )

    async def release(self) -> None:
        """Clear our profiles while the charger is still let in (it will not be again)."""
        try:
            await self.clear()
        except HomeAssistantError as err:
            LOGGER.warning(
                "The profiles of charger %s could not be cleared: %s",
                self._config.charge_point_id,
                err,
            )

    async def restart(self, *, hard: bool) -> bool:
        """Reset the charger (its profiles are installed again when it is back)."""
        accepted: bool = await self._ask(lambda link: link.reset(hard))
        return accepted

    async def set_available(self, available: bool) -> str:
        """ChangeAvailability of the connector: the charger's answer."""
        answer: str = await self._ask(
            lambda link: link.change_availability(
                self._config.connector, operative=available
            )
        )
        return answer

    async def transaction(self, *, start: bool) -> bool:
        """RemoteStart or RemoteStop of the connector's transaction (False: refused)."""
        connector = self._config.connector
        accepted: bool = await self._ask(
            lambda link: (
                link.start_transaction(connector)
                if start
                else link.stop_transaction(connector)
            )
        )
        return accepted

    def _link(self) -> Conversation:
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


def _mismatch(
    schedule: dict[str, Any],
    *,
    working: float,
    failsafe: float,
    lapsed_at: float,
    now: datetime,
    unit: str,
) -> str:
    """How a composite schedule differs from what we installed, in words ('' for not)."""
    periods = sorted(
        (float(p["start_period"]), float(p["limit"]))
        for p in (schedule.get("charging_schedule") or {}).get(
            "charging_schedule_period", []
        )
    )

    def limit_at(offset: float) -> float | None:
        found = None
        for start, limit in periods:
            if start <= offset:
                found = limit
        return found

    if not periods:
        return ""  # accepted without a schedule: nothing to check
    answered = (schedule.get("charging_schedule") or {}).get("charging_rate_unit", unit)
    if answered != unit:
        return ""  # in another unit than asked: not comparable
    tolerance = 0.1 if unit == "A" else 0.01 * max(working, failsafe, 100.0)
    found: list[str] = []
    # Less than we asked is the charger's own limit (its hardware, an installer's profile):
    # only more is a mismatch.
    applies = limit_at(0)
    if applies is not None and applies > working + tolerance:
        found.append(f"applies {applies:g} {unit} now instead of {working:g} {unit}")
    after = limit_at(lapsed_at)
    if after is not None and after > failsafe + tolerance:
        found.append(
            f"would apply {after:g} {unit} once our limit lapses instead of its "
            f"failsafe {failsafe:g} {unit}"
        )
    if found and (start := parse_time(schedule.get("schedule_start"))) is not None:
        offset = (start - now).total_seconds()
        if abs(offset) >= LAPSE_SLACK_S:
            found.append(f"its clock is {offset:+.0f} s off Home Assistant's")
    return "; ".join(found)

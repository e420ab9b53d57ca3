"""Chargers through the HA OCPP integration: a failsafe and a working charging profile.

Per connector two TxDefaultProfiles are kept on the charger (docs/design.md §6):
- the failsafe profile, one stack level below, Relative with no end: the limit the charger falls
  back to whenever nothing newer holds;
- the working profile, Absolute, from a day in the past until the validity from now (stated
  twice: `duration` and `validTo`), refreshed after two thirds of its validity while a car is
  there, whatever the command (a 0 A pause included). If the
  integration stops, it lapses and the charger drops to the failsafe limit. A charger clock
  behind by up to a day applies it at once (and keeps it that much longer after Home Assistant
  stops); one ahead by less than a third of the validity never sees it lapse between
  refreshes; one further ahead falls to its failsafe in between, never above it.
Both are (re)installed on the first command, after a reset, and whenever the charger may have
lost them: a call that failed (the charger was away), its status coming back from unavailable,
its reconnection counter moving (the OCPP integration's only trace of a reconnect or reboot),
or Current.Offered disagreeing with the command. A successful call proves nothing (the OCPP
integration accepts calls it cannot deliver), so Current.Offered is compared with the command.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ...const import DOMAIN, LOGGER
from ...engine.control import Command
from ...engine.units import parse_number
from ..kind import LoadUnavailable
from .config import OCPP_DOMAIN, PAUSE_STOP, EvseConfig
from .discovery import ConnectorEntities, OcppDirectory, find_chargers

WORKING_PROFILE_ID = 1900  # + connector
FAILSAFE_PROFILE_ID = 1800  # + connector
BEHIND_SLACK = timedelta(
    days=1
)  # a charger clock this far behind still applies it at once
OFFERED_GRACE = timedelta(seconds=60)  # time a charger gets to apply a new limit
OFFERED_TOLERANCE_A = 1.0
_GONE = (None, STATE_UNAVAILABLE, STATE_UNKNOWN)


class OcppActuator:
    """Drives one connector through `ocpp.set_charge_rate` with explicit profiles."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: EvseConfig,
        directory: OcppDirectory,
        voltage: float,
    ) -> None:
        """Drive the connector `config` describes."""
        self._hass = hass
        self._config = config
        self._directory = directory
        self._voltage = voltage
        self._installed = False  # both profiles are on the charger as far as we know
        # The working limit sent last, and since when the charger has had that value.
        self._sent: tuple[float, datetime] | None = None
        self._following = True
        self._reconnects: str | None = None  # the counter when last seen
        self._mismatch_retried = False

    @property
    def charge_point_id(self) -> str:
        """The OCPP integration's id of the charger."""
        return self._config.charge_point_id

    @property
    def entities(self) -> ConnectorEntities:
        """The OCPP integration's entities of this connector, as registered now."""
        charger = self._directory.chargers.get(self._config.charge_point_id)
        if charger is None:
            return ConnectorEntities()
        return charger.connector(self._config.connector)

    @property
    def following(self) -> bool:
        """False while Current.Offered disagrees with the command after a reinstall."""
        return self._following

    @property
    def manual(self) -> bool:
        """A charger is never left alone: its limits are what keeps the breaker."""
        return False

    def release(self) -> None:
        """Nothing is left alone on a charger."""

    def command_lost(self) -> None:
        """A call failed or timed out: send both profiles again with the next command."""
        self.profiles_lost()

    def profiles_lost(self) -> None:
        """The charger may hold neither profile: install both with the next command."""
        self._installed = False
        self._sent = None

    async def async_apply(self, command: Command) -> None:
        """Install the failsafe profile if needed, then the working profile when due."""
        if not self._hass.services.has_service(OCPP_DOMAIN, "set_charge_rate"):
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="ocpp_missing"
            )
        entities = self.entities
        self._notice_reconnect(entities)
        if self._state(entities.status) in _GONE:
            # Not connected since the OCPP integration started: it would hand the profile to
            # another charger. Reinstall everything when it comes back.
            self.profiles_lost()
            raise self._unavailable()
        now = dt_util.utcnow()
        fresh_start = not self._installed
        if fresh_start:
            await self._set_profile(self.failsafe_profile())
        if self._config.pause_mode == PAUSE_STOP:
            await self._start_or_stop(entities, charging=command.current_a > 0)
        if command.send or fresh_start:
            if not (self._config.pause_mode == PAUSE_STOP and command.current_a == 0):
                # Paused by a stopped transaction, the working profile keeps its last limit.
                await self._set_profile(self.working_profile(command, now))
                if (
                    fresh_start
                    or self._sent is None
                    or self._sent[0] != command.current_a
                ):
                    # The grace runs from a new value: a refresh does not restart it.
                    self._sent = (command.current_a, now)
        self._installed = True
        self._check_offered(entities, now)

    def _notice_reconnect(self, entities: ConnectorEntities) -> None:
        """A reconnection counter that moved means the charger was away: it may have rebooted."""
        count = self._state(entities.reconnects)
        if count in _GONE:
            return
        if self._reconnects is not None and count != self._reconnects:
            self.profiles_lost()
        self._reconnects = count

    async def _start_or_stop(
        self, entities: ConnectorEntities, *, charging: bool
    ) -> None:
        """Pause by stopping the transaction (for chargers that misbehave at 0 A)."""
        switch = entities.charge_control
        state = self._state(switch)
        if switch is None or state not in (STATE_ON, STATE_OFF):
            return
        if (state == STATE_ON) != charging:
            await self._call(
                "switch",
                SERVICE_TURN_ON if charging else SERVICE_TURN_OFF,
                {ATTR_ENTITY_ID: switch},
            )

    async def async_reset(self) -> None:
        """Clear every profile of the charger (all its connectors, whoever set them)."""
        if self._state(self.entities.status) in _GONE:
            raise self._unavailable()  # the OCPP integration would clear another charger
        await self._call(OCPP_DOMAIN, "clear_profile", {"devid": self.charge_point_id})
        self.profiles_lost()

    def failsafe_profile(self) -> dict[str, Any]:
        """The profile the charger keeps when nothing newer holds."""
        return {
            "chargingProfileId": FAILSAFE_PROFILE_ID + self._config.connector,
            "stackLevel": max(self._config.stack_level - 1, 0),
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": self._config.rate_unit,
                # Per line whatever the car's phases: watts for one line.
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": self._limit(self._config.failsafe_a, 1)}
                ],
            },
        }

    def working_profile(self, command: Command, now: datetime) -> dict[str, Any]:
        """The short-lived profile that carries the command."""
        start = now - BEHIND_SLACK
        end = now + timedelta(seconds=self._config.profile_validity_s)
        return {
            "chargingProfileId": WORKING_PROFILE_ID + self._config.connector,
            "stackLevel": self._config.stack_level,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "validTo": _ocpp_time(end),
            "chargingSchedule": {
                "chargingRateUnit": self._config.rate_unit,
                "startSchedule": _ocpp_time(start),
                "duration": int((end - start).total_seconds()),
                "chargingSchedulePeriod": [
                    {
                        "startPeriod": 0,
                        "limit": self._limit(
                            command.current_a, command.lines, seen=command.lines_seen
                        ),
                    }
                ],
            },
        }

    def _limit(self, amps: float, lines: int, *, seen: bool = True) -> float:
        """A limit in the charger's unit: amps per line, or watts over the lines in use.

        Watts for lines not yet seen in use are given for the minimum only: a car on fewer
        lines than wired draws the watts on those, so it is held at the minimum's watts (at
        most three times the minimum on one line) until its lines show.
        """
        if self._config.rate_unit == "W":
            in_use = lines or len(self._config.wired) or 1
            if not seen:
                amps = min(amps, self._config.min_a)
            return float(round(amps * self._voltage * in_use))
        return round(amps, 1)

    async def _set_profile(self, profile: dict[str, Any]) -> None:
        await self._call(
            OCPP_DOMAIN,
            "set_charge_rate",
            {
                "devid": self.charge_point_id,
                "conn_id": self._config.connector,
                "custom_profile": profile,
            },
        )

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """A service call; when it fails the charger may have lost what it was sent."""
        try:
            await self._hass.services.async_call(domain, service, data, blocking=True)
        except HomeAssistantError as err:
            self.profiles_lost()
            if (
                err.translation_domain == OCPP_DOMAIN
                and err.translation_key == "unavailable"
            ):
                raise self._unavailable() from err
            raise

    def _unavailable(self) -> LoadUnavailable:
        return LoadUnavailable(
            translation_domain=DOMAIN,
            translation_key="charger_unavailable",
            translation_placeholders={"charger": self.charge_point_id},
        )

    def _state(self, entity_id: str | None) -> str | None:
        state = self._hass.states.get(entity_id) if entity_id else None
        return state.state if state is not None else None

    def _check_offered(self, entities: ConnectorEntities, now: datetime) -> None:
        """Compare Current.Offered with the command once the charger had time to apply it.

        The first disagreement reinstalls both profiles (the charger may have lost them); only
        one that persists after that makes the connector *not following*.
        """
        matches = self._offered_matches(entities, now)
        if matches is None:
            return
        if matches:
            self._following = True
            self._mismatch_retried = False
        elif not self._mismatch_retried:
            self._mismatch_retried = True
            self.profiles_lost()
        else:
            self._following = False

    def _offered_matches(
        self, entities: ConnectorEntities, now: datetime
    ) -> bool | None:
        """Whether the charger offers what it was told; None while it is given time to.

        Nothing to compare (no car charging, no reading) counts as following.
        """
        if self._sent is None:
            return None
        if self._state(entities.status) != "Charging":
            return True  # a charger offers its limit only while it charges
        offered = parse_number(self._state(entities.current_offered))
        if offered is None:
            return True
        if abs(offered - self._sent[0]) <= OFFERED_TOLERANCE_A:
            return True
        return None if now - self._sent[1] < OFFERED_GRACE else False


def _ocpp_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def async_release_chargers(hass: HomeAssistant, evses: list[EvseConfig]) -> None:
    """Leave chargers no longer managed without our limits (their connectors were removed).

    The OCPP integration's clear removes every profile of a charger, whoever set it. A charger
    that is not connected is not asked (the call would reach another charger); it keeps its
    failsafe profile until it is cleared by hand. Nothing here raises: removal goes on.
    """
    chargers = find_chargers(hass)
    for cpid in sorted({evse.charge_point_id for evse in evses}):
        charger = chargers.get(cpid)
        statuses = (
            [charger.connector(n).status for n in range(1, charger.connectors + 1)]
            if charger
            else []
        )
        connected = any(
            (state := hass.states.get(status)) is not None and state.state not in _GONE
            for status in statuses
            if status
        )
        if not connected:
            LOGGER.warning(
                "Charger %s is not connected: its failsafe profile stays until it is "
                "cleared (OCPP integration: clear profile)",
                cpid,
            )
            continue
        try:
            await hass.services.async_call(
                OCPP_DOMAIN, "clear_profile", {"devid": cpid}, blocking=True
            )
        except Exception:  # noqa: BLE001 - removal must go on
            LOGGER.warning("The profiles of charger %s could not be cleared", cpid)

"""Chargers through the HA OCPP integration: a failsafe and a working charging profile.

Per connector two TxDefaultProfiles are kept on the charger (DESIGN §6):
- the failsafe profile, one stack level below, Relative with no end: the limit the charger falls
  back to whenever nothing newer holds; installed on the first command, after a reset and
  whenever the charger comes back from unavailable (reboot, reconnect);
- the working profile, Absolute, starting 60 s in the past and lasting the validity plus 60 s
  (a charger clock off by up to a minute changes nothing), refreshed before it lapses. If the
  integration stops, it lapses and the charger drops to the failsafe limit.
A successful service call proves nothing (the OCPP integration accepts calls it cannot deliver):
Current.Offered is compared with the command.
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

from ..const import DOMAIN, OCPP_DOMAIN, PAUSE_STOP
from ..engine.control import Command
from ..engine.units import parse_number
from ..ocpp_discovery import ConnectorEntities
from ..site_config import EvseConfig

WORKING_PROFILE_ID = 1900  # + connector
FAILSAFE_PROFILE_ID = 1800  # + connector
CLOCK_SLACK = timedelta(seconds=60)
OFFERED_GRACE = timedelta(seconds=60)  # time a charger gets to apply a new limit
OFFERED_TOLERANCE_A = 1.0


class OcppActuator:
    """Drives one connector through `ocpp.set_charge_rate` with explicit profiles."""

    def __init__(
        self,
        hass: HomeAssistant,
        config: EvseConfig,
        entities: ConnectorEntities,
        voltage: float,
    ) -> None:
        """Drive the connector `config` describes."""
        self._hass = hass
        self._config = config
        self._entities = entities
        self._voltage = voltage
        self._failsafe_installed = False
        self._sent: tuple[float, datetime] | None = None  # last working limit and when
        self._following = True

    @property
    def following(self) -> bool:
        """False while Current.Offered disagrees with the command after the grace period."""
        return self._following

    async def async_apply(self, command: Command) -> None:
        """Install the failsafe profile if needed, then the working profile when due."""
        if not self._hass.services.has_service(OCPP_DOMAIN, "set_charge_rate"):
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="ocpp_missing"
            )
        status = self._state(self._entities.status)
        if status is None or status in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            self._failsafe_installed = False  # reinstall when it comes back
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="charger_unavailable",
                translation_placeholders={"charger": self._config.charge_point_id},
            )
        now = dt_util.utcnow()
        fresh_start = not self._failsafe_installed
        if fresh_start:
            await self._set_profile(self.failsafe_profile())
            self._failsafe_installed = True
        if self._config.pause_mode == PAUSE_STOP:
            await self._start_or_stop(charging=command.current_a > 0)
            if command.current_a == 0:
                return  # the transaction is stopped; the working profile keeps its last limit
        if command.send or fresh_start:
            await self._set_profile(self.working_profile(command, now))
            self._sent = (command.current_a, now)
        self._following = self._offered_matches(now)

    async def _start_or_stop(self, *, charging: bool) -> None:
        """Pause by stopping the transaction (for chargers that misbehave at 0 A)."""
        switch = self._entities.charge_control
        state = self._state(switch)
        if switch is None or state not in (STATE_ON, STATE_OFF):
            return
        if (state == STATE_ON) != charging:
            await self._hass.services.async_call(
                "switch",
                SERVICE_TURN_ON if charging else SERVICE_TURN_OFF,
                {ATTR_ENTITY_ID: switch},
                blocking=True,
            )

    async def async_reset(self) -> None:
        """Clear every profile on the charger; the next cycle reinstalls both."""
        await self._hass.services.async_call(
            OCPP_DOMAIN,
            "clear_profile",
            {"devid": self._config.charge_point_id},
            blocking=True,
        )
        self._failsafe_installed = False
        self._sent = None

    def failsafe_profile(self) -> dict[str, Any]:
        """The profile the charger keeps when nothing newer holds."""
        return {
            "chargingProfileId": FAILSAFE_PROFILE_ID + self._config.connector,
            "stackLevel": max(self._config.stack_level - 1, 0),
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": self._config.rate_unit,
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": self._limit(self._config.failsafe_a, 0)}
                ],
            },
        }

    def working_profile(self, command: Command, now: datetime) -> dict[str, Any]:
        """The short-lived profile that carries the command."""
        start = now - CLOCK_SLACK
        return {
            "chargingProfileId": WORKING_PROFILE_ID + self._config.connector,
            "stackLevel": self._config.stack_level,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": self._config.rate_unit,
                "startSchedule": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": int(
                    self._config.profile_validity_s + CLOCK_SLACK.total_seconds()
                ),
                "chargingSchedulePeriod": [
                    {
                        "startPeriod": 0,
                        "limit": self._limit(command.current_a, command.lines),
                    }
                ],
            },
        }

    def _limit(self, amps: float, lines: int) -> float:
        """A limit in the charger's unit: amps per line, or watts over the lines in use."""
        if self._config.rate_unit == "W":
            in_use = lines or len(self._config.wired) or 1
            return float(round(amps * self._voltage * in_use))
        return round(amps, 1)

    async def _set_profile(self, profile: dict[str, Any]) -> None:
        await self._hass.services.async_call(
            OCPP_DOMAIN,
            "set_charge_rate",
            {
                "devid": self._config.charge_point_id,
                "conn_id": self._config.connector,
                "custom_profile": profile,
            },
            blocking=True,
        )

    def _state(self, entity_id: str | None) -> str | None:
        state = self._hass.states.get(entity_id) if entity_id else None
        return state.state if state is not None else None

    def _offered_matches(self, now: datetime) -> bool:
        """Whether the charger offers what it was told (unknown counts as yes)."""
        if self._sent is None or now - self._sent[1] < OFFERED_GRACE:
            return True
        if self._state(self._entities.status) != "Charging":
            return True  # a charger offers its limit only while it charges
        offered = parse_number(self._state(self._entities.current_offered))
        if offered is None:
            return True
        return abs(offered - self._sent[0]) <= OFFERED_TOLERANCE_A

"""Profiles through the HA OCPP integration: its actions carry them, its entities show the rest.

A successful call proves nothing (the integration accepts calls it cannot deliver), so what the
connector offers is compared with the command; its reconnection counter is its only trace of a
reconnect or reboot.
"""

from __future__ import annotations

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

from ...const import DOMAIN, LOGGER
from ...engine.units import parse_number
from ..kind import LoadUnavailable
from .config import OCPP_DOMAIN, EvseConfig
from .discovery import ConnectorEntities, OcppDirectory, find_chargers

_GONE = (None, STATE_UNAVAILABLE, STATE_UNKNOWN)
_LINE_KEYS = (("L1", "L1-N"), ("L2", "L2-N"), ("L3", "L3-N"))


class IntegrationTransport:
    """One connector as the OCPP integration shows it, driven through its actions."""

    def __init__(
        self, hass: HomeAssistant, config: EvseConfig, directory: OcppDirectory
    ) -> None:
        """The connector `config` names, looked up in the integration's registries."""
        self._hass = hass
        self._config = config
        self._directory = directory
        self._reconnects: str | None = None  # the counter when last seen
        # The integration refused our last call as the charger is away. Its sensors keep their
        # last values when a charger disconnects: this is the only sign of it.
        self._away = False

    @property
    def entities(self) -> ConnectorEntities:
        """The OCPP integration's entities of this connector, as registered now."""
        charger = self._directory.chargers.get(self._config.charge_point_id)
        if charger is None:
            return ConnectorEntities()
        return charger.connector(self._config.connector)

    def check(self) -> None:
        """The integration must be there, and the charger connected since it started."""
        if not self._hass.services.has_service(OCPP_DOMAIN, "set_charge_rate"):
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="ocpp_missing"
            )
        if self._state(self.entities.status) in _GONE:
            # Not connected since the OCPP integration started: it would hand the profile to
            # another charger.
            raise self._unavailable()

    @property
    def watched(self) -> list[str]:
        """Its status, currents and the charger's reconnection counter."""
        return self.entities.watched

    def came_back(self) -> bool:
        """Whether the reconnection counter moved since last asked."""
        count = self._state(self.entities.reconnects)
        if count in _GONE:
            return False
        moved = self._reconnects is not None and count != self._reconnects
        self._reconnects = count
        return moved

    def status(self) -> str | None:
        """The connector's status entity; None while it is unavailable or the charger away."""
        status = self._state(self.entities.status)
        return None if self._away or status in _GONE else status

    def offered_a(self) -> float | None:
        """Its Current.Offered sensor."""
        return parse_number(self._state(self.entities.current_offered))

    def line_currents(self, lines: int) -> tuple[float | None, ...]:
        """From the Current.Import sensor's L1/L2/L3 attributes, else its state on every line.

        The OCPP integration sets the state to 0 when a transaction stops or is suspended but
        leaves the per-line attributes at their last values: a 0 state wins.
        """
        entity_id = self.entities.current_import
        state = self._hass.states.get(entity_id) if entity_id else None
        if state is None:
            return (None,) * lines
        value = parse_number(state.state)
        if value == 0:
            return (0.0,) * lines
        per_line = [
            next(
                (
                    parse_number(state.attributes[k])
                    for k in keys
                    if k in state.attributes
                ),
                None,
            )
            for keys in _LINE_KEYS[:lines]
        ]
        if any(amps is not None for amps in per_line):
            return tuple(per_line)
        return (value,) * lines

    async def set_profile(self, profile: dict[str, Any]) -> None:
        """`ocpp.set_charge_rate` with the profile."""
        await self._call(
            OCPP_DOMAIN,
            "set_charge_rate",
            {
                "devid": self._config.charge_point_id,
                "conn_id": self._config.connector,
                "custom_profile": profile,
            },
        )

    async def start_or_stop(self, *, charging: bool) -> None:
        """Through the integration's charge-control switch, when it shows one."""
        switch = self.entities.charge_control
        state = self._state(switch)
        if switch is None or state not in (STATE_ON, STATE_OFF):
            return
        if (state == STATE_ON) != charging:
            await self._call(
                "switch",
                SERVICE_TURN_ON if charging else SERVICE_TURN_OFF,
                {ATTR_ENTITY_ID: switch},
            )

    async def clear(self) -> None:
        """The integration's clear: every profile of the charger (all its connectors)."""
        if self._state(self.entities.status) in _GONE:
            raise self._unavailable()  # the OCPP integration would clear another charger
        await self._call(
            OCPP_DOMAIN, "clear_profile", {"devid": self._config.charge_point_id}
        )

    async def release(self) -> None:
        """Nothing here: the kind clears it through the OCPP integration after the unload.

        (`async_release_chargers`: the integration is there whether the site runs or not.)
        """

    async def verify(self, working: float, failsafe: float, unit: str) -> None:
        """The OCPP integration does not tell what a charger will apply: nothing to check."""

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        try:
            await self._hass.services.async_call(domain, service, data, blocking=True)
        except HomeAssistantError as err:
            if (
                err.translation_domain == OCPP_DOMAIN
                and err.translation_key == "unavailable"
            ):
                self._away = True
                raise self._unavailable() from err
            raise
        self._away = False

    def _unavailable(self) -> LoadUnavailable:
        return LoadUnavailable(
            translation_domain=DOMAIN,
            translation_key="charger_unavailable",
            translation_placeholders={"charger": self._config.charge_point_id},
        )

    def _state(self, entity_id: str | None) -> str | None:
        state = self._hass.states.get(entity_id) if entity_id else None
        return state.state if state is not None else None


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

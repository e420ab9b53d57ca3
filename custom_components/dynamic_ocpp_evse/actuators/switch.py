"""Switched loads (plugs, relays): `switch.turn_on` / `switch.turn_off`, only on change."""

from __future__ import annotations

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN
from ..engine.control import Command

SWITCH_DOMAIN = "switch"
# Cycles in a row a switch may show the wrong state after being told, before it is reported.
MISSES_BEFORE_NOT_FOLLOWING = 3


class SwitchActuator:
    """Turns one switch entity on or off; reads its state back."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Drive `entity_id`."""
        self._hass = hass
        self._entity_id = entity_id
        self._misses = 0

    @property
    def following(self) -> bool:
        """False once the switch has kept the wrong state for a few cycles."""
        return self._misses < MISSES_BEFORE_NOT_FOLLOWING

    def command_lost(self) -> None:
        """Nothing to do: the switch's state is compared with the command every cycle."""

    async def async_apply(self, command: Command) -> None:
        """Switch only when the state differs from the command."""
        state = self._hass.states.get(self._entity_id)
        if state is None or state.state not in (STATE_ON, STATE_OFF):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="switch_unavailable",
                translation_placeholders={"entity_id": self._entity_id},
            )
        want_on = command.current_a > 0
        if (state.state == STATE_ON) == want_on:
            self._misses = 0
            return
        self._misses += 1
        await self._hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON if want_on else SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: self._entity_id},
            blocking=True,
        )

"""Switched loads (plugs, relays): `switch.turn_on` / `switch.turn_off`, only on change.

A switch that someone else switches (a person, an automation, the device itself) after it
showed our command is left alone for MANUAL_HOLD_S, or until the load's mode is changed: it is
then the house's load, not ours. Our own calls are told apart by their context.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
import time

from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Context, HomeAssistant
from homeassistant.util import dt as dt_util

from ...const import DOMAIN
from ...engine.state import Command
from ..kind import LoadUnavailable

SWITCH_DOMAIN = "switch"
# Cycles in a row a switch may show the wrong state after being told, before it is reported.
MISSES_BEFORE_NOT_FOLLOWING = 3
MANUAL_HOLD_S = 3600.0  # a switch switched by someone else is left alone this long


class SwitchActuator:
    """Turns one switch entity on or off; reads its state back."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Drive `entity_id`."""
        self._hass = hass
        self._entity_id = entity_id
        self._misses = 0
        self._ours: deque[str] = deque(maxlen=8)  # contexts of our latest calls
        # What we last wanted, and since when (a change after it by someone else is theirs).
        self._wanted: tuple[bool, datetime] | None = None
        self._manual_until: float | None = None

    @property
    def manual(self) -> bool:
        """Whether someone else switched it and it is left alone for now."""
        return self._manual_until is not None and time.monotonic() < self._manual_until

    def release(self) -> None:
        """The user changed the load's mode: the command holds again."""
        self._manual_until = None
        self._wanted = None

    @property
    def following(self) -> bool:
        """False once the switch has kept the wrong state for a few cycles."""
        return self._misses < MISSES_BEFORE_NOT_FOLLOWING

    def command_lost(self) -> None:
        """Nothing to do: the switch's state is compared with the command every cycle."""

    async def async_removed(self) -> None:
        """A removed plug keeps the state it has: nothing to take off."""

    async def async_apply(self, command: Command) -> None:
        """Switch only when the state differs from the command."""
        state = self._hass.states.get(self._entity_id)
        if state is None or state.state not in (STATE_ON, STATE_OFF):
            raise LoadUnavailable(
                translation_domain=DOMAIN,
                translation_key="switch_unavailable",
                translation_placeholders={"entity_id": self._entity_id},
            )
        is_on = state.state == STATE_ON
        if self.manual:
            return
        if (
            self._wanted is not None
            and is_on != self._wanted[0]
            and state.last_changed >= self._wanted[1]
            and state.context.id not in self._ours
        ):
            self._manual_until = time.monotonic() + MANUAL_HOLD_S
            self._wanted = None
            self._misses = 0
            return
        want_on = command.current_a > 0
        if self._wanted is None or self._wanted[0] != want_on:
            self._wanted = (want_on, dt_util.utcnow())
        if is_on == want_on:
            self._misses = 0
            return
        self._misses += 1
        context = Context()
        self._ours.append(context.id)
        await self._hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON if want_on else SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: self._entity_id},
            blocking=True,
            context=context,
        )

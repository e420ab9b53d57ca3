"""Commands to the loads: all at once, each within a deadline, whatever one of them does.

A load whose call hangs, raises anything at all, or is refused never holds up or blinds the
others. Every failure is classified, and the command is tried again: at the next cycle, then
less and less often while the failures go on — except a lower command, which always goes out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from homeassistant.exceptions import HomeAssistantError

from .const import LOGGER
from .engine.state import Command
from .loads.kind import Actuator, LoadUnavailable

CALL_DEADLINE_S = 3.0  # shorter than a cycle: the next one starts on time
RETRY_BACKOFF_S = (
    0.0,
    10.0,
    30.0,
    60.0,
)  # wait before the n-th retry of a failing load


class LoadHealth(StrEnum):
    """Whether a load's actuator does what it is told."""

    OK = "ok"
    UNAVAILABLE = "unavailable"
    NOT_FOLLOWING = "not_following"
    COMMAND_FAILED = "command_failed"  # refused, or an error in the integration beneath
    COMMAND_TIMED_OUT = "command_timed_out"
    SWITCHED_BY_HAND = "switched_by_hand"  # left alone for a while: the house's load


@dataclass(slots=True)
class _Failing:
    """A load whose commands keep failing."""

    health: LoadHealth
    count: int
    last_try: float
    current_a: float  # the command that failed last


class Dispatcher:
    """Pushes every cycle's commands and remembers which loads are failing."""

    def __init__(self, actuators: Mapping[str, Actuator]) -> None:
        """Drive `actuators`; a call may take CALL_DEADLINE_S at most."""
        self._actuators = actuators
        self._deadline_s = CALL_DEADLINE_S
        self._failing: dict[str, _Failing] = {}

    async def async_dispatch(
        self, commands: Mapping[str, Command], *, now: float
    ) -> dict[str, LoadHealth]:
        """Apply every command concurrently and return each load's health."""
        ids = list(commands)
        results = await asyncio.gather(
            *(self._apply(load_id, commands[load_id], now) for load_id in ids)
        )
        return dict(zip(ids, results, strict=True))

    async def _apply(self, load_id: str, command: Command, now: float) -> LoadHealth:
        actuator = self._actuators[load_id]
        failing = self._failing.get(load_id)
        if failing is not None and not self._retry_due(failing, command, now):
            return failing.health
        try:
            async with asyncio.timeout(self._deadline_s):
                await actuator.async_apply(command)
        except TimeoutError:
            health = LoadHealth.COMMAND_TIMED_OUT
        except LoadUnavailable:
            health = LoadHealth.UNAVAILABLE
        except HomeAssistantError as err:
            health = LoadHealth.COMMAND_FAILED
            LOGGER.debug("Command to %s failed: %s", load_id, err)
        except Exception:  # noqa: BLE001 - the integration beneath may raise anything
            LOGGER.debug("Command to %s raised", load_id, exc_info=True)
            health = LoadHealth.COMMAND_FAILED
        else:
            self._failing.pop(load_id, None)
            if actuator.manual:
                return LoadHealth.SWITCHED_BY_HAND
            return LoadHealth.OK if actuator.following else LoadHealth.NOT_FOLLOWING
        actuator.command_lost()
        count = failing.count + 1 if failing is not None else 1
        self._failing[load_id] = _Failing(health, count, now, command.current_a)
        return health

    @staticmethod
    def _retry_due(failing: _Failing, command: Command, now: float) -> bool:
        """Whether to call a failing load again now.

        A lower command always goes out; so does one to an unavailable load (its actuator
        makes no call until the load is back).
        """
        if failing.health is LoadHealth.UNAVAILABLE:
            return True
        if command.current_a < failing.current_a:
            return True
        wait = RETRY_BACKOFF_S[min(failing.count, len(RETRY_BACKOFF_S)) - 1]
        return now - failing.last_try >= wait

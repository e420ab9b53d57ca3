"""How a decision reaches a load: one module per transport, all behind one small protocol."""

from __future__ import annotations

from typing import Protocol

from ..engine.control import Command


class Actuator(Protocol):
    """Pushes commands to one load."""

    @property
    def following(self) -> bool:
        """False once the load has ignored its commands for a while."""

    @property
    def manual(self) -> bool:
        """Whether someone else switched the load and it is left alone for now."""

    def release(self) -> None:
        """The user changed the load's mode: whatever it is left alone for ends."""

    async def async_apply(self, command: Command) -> None:
        """Bring the load to the command; raise HomeAssistantError when that fails."""

    def command_lost(self) -> None:
        """A call failed or timed out: the load may not have what it was sent."""

"""A smart plug or relay, as the user configured it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ...engine.model import Phase

SUBENTRY_PLUG: Final = "plug"

# Subentry data keys.
CONF_SWITCH: Final = "switch_entity"
CONF_POWER: Final = "power"
CONF_POWER_MONITOR: Final = "power_monitor"
CONF_PHASES: Final = "phases"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlugConfig:
    """A smart plug or relay: on/off at its power on the phases it is wired to."""

    id: str  # the subentry id
    name: str
    switch_entity: str
    power_w: float
    power_monitor: str | None
    phases: tuple[Phase, ...]

    @classmethod
    def from_data(
        cls, subentry_id: str, title: str, data: Mapping[str, Any]
    ) -> PlugConfig:
        """Read a plug subentry's data."""
        return cls(
            id=subentry_id,
            name=title,
            switch_entity=str(data[CONF_SWITCH]),
            power_w=float(data[CONF_POWER]),
            power_monitor=data.get(CONF_POWER_MONITOR) or None,
            phases=tuple(Phase(p) for p in data[CONF_PHASES]),
        )

    @property
    def entities(self) -> list[str]:
        """Every entity the plug reads."""
        return [
            self.switch_entity,
            *([self.power_monitor] if self.power_monitor else []),
        ]

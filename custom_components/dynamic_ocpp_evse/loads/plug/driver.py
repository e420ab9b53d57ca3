"""A plug at run time: its switch and power monitor read into an engine load, its actuator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant

from ...engine.model import Charger, ModeSetting, Switched
from ...inputs import power_of
from ...settings import LoadSettings
from ..kind import EntityLoads
from .config import PlugConfig
from .switch import SwitchActuator


@dataclass(frozen=True, slots=True)
class PlugDriver:
    """One plug: what it reads, and the switch that carries its commands."""

    config: PlugConfig
    actuator: SwitchActuator

    @property
    def id(self) -> str:
        """The plug's subentry id."""
        return self.config.id

    @property
    def watched(self) -> list[str]:
        """Its switch and power monitor."""
        return self.config.entities

    @property
    def shared_limit(self) -> Charger | None:
        """A plug shares no limit."""
        return None

    @property
    def figures(self) -> Mapping[str, float | None]:
        """A plug shows only the engine's figures."""
        return {}

    def read(self, hass: HomeAssistant, settings: LoadSettings) -> Switched:
        """The plug as the engine sees it.

        One that cannot be switched takes no part (mode off), nor one someone else switched
        (left alone for a while: what it draws is the house's); one whose state is unknown
        counts as off, so its rating is never subtracted from the meter reading.
        """
        plug = self.config
        state = hass.states.get(plug.switch_entity)
        usable = state is not None and state.state in (STATE_ON, STATE_OFF)
        is_on = state is not None and state.state == STATE_ON
        measured = (
            power_of(hass.states.get(plug.power_monitor))
            if plug.power_monitor and is_on
            else None
        )
        return Switched(
            id=plug.id,
            wired=plug.phases,
            power_w=plug.power_w,  # its rating; the control remembers what it really draws
            is_on=is_on,
            measured_w=measured,
            mode=settings.mode
            if usable and not self.actuator.manual
            else ModeSetting.OFF,
            override=settings.override if usable and not self.actuator.manual else None,
            priority=settings.priority,
        )


class PlugGroup(EntityLoads[PlugDriver]):
    """The plugs of one site."""

    def __init__(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """One driver per plug subentry."""
        super().__init__(
            [
                PlugDriver(config, SwitchActuator(hass, config.switch_entity))
                for config in (
                    PlugConfig.from_data(subentry_id, subentry.title, subentry.data)
                    for subentry_id, subentry in subentries.items()
                )
            ]
        )

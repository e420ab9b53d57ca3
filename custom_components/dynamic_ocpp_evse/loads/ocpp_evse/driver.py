"""A charger connector at run time: the OCPP integration's entities read into an engine load.

Per-line currents come from the Current.Import sensor's L1/L2/L3 attributes; without them its
value is taken as the current of every line in use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant, State

from ...engine.model import Charger, Evse, ModeSetting, Session
from ...engine.units import parse_number
from ...repairs import Repair
from ...settings import LoadSettings
from .config import OCPP_DOMAIN, PAUSE_STOP, EvseConfig
from .discovery import OcppDirectory
from .profiles import OcppActuator

# OCPP 1.6 connector status -> session. SuspendedEVSE is a car we paused: still connected.
_SESSIONS = {
    "Available": Session.NO_CAR,
    "Preparing": Session.CONNECTED,
    "Charging": Session.CHARGING,
    "SuspendedEV": Session.SUSPENDED_EV,
    "SuspendedEVSE": Session.CONNECTED,
    "Finishing": Session.FINISHED,
    "Reserved": Session.NO_CAR,
}
_LINE_KEYS = (("L1", "L1-N"), ("L2", "L2-N"), ("L3", "L3-N"))


@dataclass(frozen=True, slots=True)
class EvseDriver:
    """One connector: what it reads, and the profiles that carry its commands."""

    config: EvseConfig
    actuator: OcppActuator

    @property
    def id(self) -> str:
        """The connector's subentry id."""
        return self.config.id

    @property
    def watched(self) -> list[str]:
        """Its status, currents and the charger's reconnection counter."""
        return self.actuator.entities.watched

    @property
    def shared_limit(self) -> Charger:
        """The charger's own limit, shared by its connectors."""
        return Charger(id=self.config.charge_point_id, max_a=self.config.charger_max_a)

    def read(self, hass: HomeAssistant, settings: LoadSettings) -> Evse:
        """The connector as the engine sees it.

        A connector whose status is unknown (charger offline, faulted) takes no part.
        """
        evse = self.config
        entities = self.actuator.entities
        status = hass.states.get(entities.status) if entities.status else None
        session = _SESSIONS.get(status.state) if status is not None else None
        if session is Session.FINISHED and evse.pause_mode == PAUSE_STOP:
            # After we stop a transaction to pause, the car stays plugged in: a remote start
            # resumes it.
            session = Session.CONNECTED
        current = (
            hass.states.get(entities.current_import)
            if entities.current_import
            else None
        )
        return Evse(
            id=evse.id,
            wired=evse.wired,
            min_a=evse.min_a,
            max_a=evse.max_a,
            failsafe_a=evse.failsafe_a,
            line_a=_line_currents(current, len(evse.wired)),
            session=session or Session.NO_CAR,
            mode=settings.mode if session is not None else ModeSetting.OFF,
            priority=settings.priority,
            charger=evse.charge_point_id,
            command_lifetime_s=evse.profile_validity_s,
            current_step_a=evse.current_step_a,
            car_lines=evse.car_lines,
        )

    def unseen(self, directory: OcppDirectory) -> str:
        """What of its charger the OCPP integration does not show, in words ('' for nothing)."""
        evse = self.config
        if evse.charge_point_id not in directory.chargers:
            return f"{evse.name}: the OCPP integration has no charger {evse.charge_point_id}"
        missing = self.actuator.entities.missing(
            charge_control=evse.pause_mode == PAUSE_STOP
        )
        return (
            f"{evse.name} ({evse.charge_point_id}): {', '.join(missing)}"
            if missing
            else ""
        )


def _line_currents(state: State | None, lines: int) -> tuple[float | None, ...]:
    """Per-line currents from the L1/L2/L3 attributes, else the state on every line.

    The OCPP integration sets the state to 0 when a transaction stops or is suspended but
    leaves the per-line attributes at their last values: a 0 state wins.
    """
    if state is None:
        return (None,) * lines
    value = parse_number(state.state)
    if value == 0:
        return (0.0,) * lines
    per_line = [
        next(
            (parse_number(state.attributes[k]) for k in keys if k in state.attributes),
            None,
        )
        for keys in _LINE_KEYS[:lines]
    ]
    if any(amps is not None for amps in per_line):
        return tuple(per_line)
    return (value,) * lines


class EvseGroup:
    """The charger connectors of one site, and the OCPP integration's registry they share."""

    def __init__(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        voltage: float,
    ) -> None:
        """One driver per connector subentry."""
        self._hass = hass
        self.directory = OcppDirectory(hass)
        self._drivers = [
            EvseDriver(config, OcppActuator(hass, config, self.directory, voltage))
            for config in (
                EvseConfig.from_data(subentry_id, subentry.title, subentry.data)
                for subentry_id, subentry in subentries.items()
            )
        ]

    @property
    def drivers(self) -> Sequence[EvseDriver]:
        """One per connector."""
        return self._drivers

    def async_listen(self) -> list[CALLBACK_TYPE]:
        """Read the OCPP integration's chargers again whenever its registries change."""
        return self.directory.async_listen()

    def repairs(self, site: str) -> list[Repair]:
        """The OCPP integration missing, and chargers it does not fully show."""
        unseen = "; ".join(
            text for driver in self._drivers if (text := driver.unseen(self.directory))
        )
        running = self._hass.state is CoreState.running
        return [
            Repair(
                key="ocpp_missing",
                active=bool(self._drivers)
                and not self._hass.services.has_service(OCPP_DOMAIN, "set_charge_rate"),
                placeholders={"site": site},
            ),
            Repair(
                key="ocpp_entities",
                active=bool(unseen) and running,
                placeholders={"site": site, "details": unseen},
            ),
        ]

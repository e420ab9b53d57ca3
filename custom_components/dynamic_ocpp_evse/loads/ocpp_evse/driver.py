"""A charger connector at run time: what its transport shows, read into an engine load."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, CoreState, HomeAssistant
from homeassistant.util import dt as dt_util

from ...central.server import CentralSystem
from ...engine.model import Charger, Evse, ModeSetting, Session
from ...issues import Repair
from ...settings import LoadSettings
from ..kind import SiteContext
from .config import OCPP_DOMAIN, PAUSE_STOP, TRANSPORT_CENTRAL, EvseConfig
from .discovery import OcppDirectory
from .profiles import ProfileActuator
from .via_central import CentralTransport
from .via_integration import IntegrationTransport

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


@dataclass(frozen=True, slots=True)
class EvseDriver:
    """One connector: what it reads, and the profiles that carry its commands."""

    config: EvseConfig
    actuator: ProfileActuator

    @property
    def id(self) -> str:
        """The connector's subentry id."""
        return self.config.id

    @property
    def watched(self) -> list[str]:
        """The entities whose changes call for a new cycle."""
        return self.actuator.transport.watched

    @property
    def figures(self) -> Mapping[str, float | None]:
        """A connector shows only the engine's figures."""
        return {}

    @property
    def shared_limit(self) -> Charger:
        """The charger's own limit, shared by its connectors."""
        return Charger(id=self.config.charge_point_id, max_a=self.config.charger_max_a)

    def read(self, hass: HomeAssistant, settings: LoadSettings) -> Evse:
        """The connector as the engine sees it.

        A connector whose status is unknown (charger offline, faulted) takes no part; what its
        charger may still let a car draw by itself stays free for it.
        """
        evse = self.config
        min_a, max_a = settings.current_range(evse.min_a, evse.max_a)
        transport = self.actuator.transport
        status = transport.status()
        holds_a = self.actuator.holds_a(dt_util.utcnow()) if status is None else 0.0
        lines = len(evse.wired)
        line_a = (
            transport.line_currents(lines) if status is not None else (None,) * lines
        )
        session = _SESSIONS.get(status) if status is not None else None
        if session is Session.FINISHED and evse.pause_mode == PAUSE_STOP:
            # After we stop a transaction to pause, the car stays plugged in: a remote start
            # resumes it.
            session = Session.CONNECTED
        return Evse(
            id=evse.id,
            wired=evse.wired,
            min_a=min_a,
            max_a=max_a,
            failsafe_a=evse.failsafe_a,
            line_a=line_a,
            session=session or Session.NO_CAR,
            mode=settings.mode if session is not None else ModeSetting.OFF,
            override=settings.override if session is not None else None,
            priority=settings.priority,
            charger=evse.charge_point_id,
            command_lifetime_s=evse.profile_validity_s,
            current_step_a=evse.current_step_a,
            car_lines=evse.car_lines,
            holds_a=holds_a,
        )


class EvseGroup:
    """The charger connectors of one site, over the OCPP integration or our own server."""

    def __init__(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        site: SiteContext,
    ) -> None:
        """One driver per connector subentry."""
        self._hass = hass
        self._central = site.central
        self.directory = OcppDirectory(hass)
        configs = [
            EvseConfig.from_data(subentry_id, subentry.title, subentry.data)
            for subentry_id, subentry in subentries.items()
        ]
        self._drivers = [
            EvseDriver(
                config,
                ProfileActuator(
                    config, site.voltage, self._transport(config, site.central)
                ),
            )
            for config in configs
        ]
        if site.central is not None:
            for config in configs:
                if config.transport == TRANSPORT_CENTRAL:
                    site.central.allow(config.charge_point_id, config.password)

    def _transport(
        self, config: EvseConfig, central: CentralSystem | None
    ) -> IntegrationTransport | CentralTransport:
        if config.transport == TRANSPORT_CENTRAL:
            return CentralTransport(central, config)
        return IntegrationTransport(self._hass, config, self.directory)

    @property
    def drivers(self) -> Sequence[EvseDriver]:
        """One per connector."""
        return self._drivers

    def async_listen(self) -> list[CALLBACK_TYPE]:
        """Read the OCPP integration's chargers again whenever its registries change."""
        return self.directory.async_listen()

    def repairs(self, site: str) -> list[Repair]:
        """The OCPP integration missing, chargers it does not fully show, no server."""
        through_integration = [
            driver
            for driver in self._drivers
            if isinstance(driver.actuator.transport, IntegrationTransport)
        ]
        unseen = "; ".join(
            text
            for driver in through_integration
            if (text := _unseen(driver, self.directory))
        )
        running = self._hass.state is CoreState.running
        return [
            Repair(
                key="ocpp_missing",
                active=bool(through_integration)
                and not self._hass.services.has_service(OCPP_DOMAIN, "set_charge_rate"),
                placeholders={"site": site},
            ),
            Repair(
                key="ocpp_entities",
                active=bool(unseen) and running,
                placeholders={"site": site, "details": unseen},
            ),
            Repair(
                key="schedule_mismatch",
                active=bool(mismatch := self._on_server(lambda t: t.mismatch)),
                placeholders={"site": site, "details": mismatch},
            ),
            Repair(
                key="profile_rejected",
                active=bool(rejected := self._on_server(lambda t: t.rejected)),
                placeholders={"site": site, "details": rejected},
            ),
            Repair(
                key="charger_refused",
                active=bool(
                    refused := sorted(self._central.refused) if self._central else []
                ),
                placeholders={"site": site, "chargers": ", ".join(refused)},
                fixable=True,
            ),
            Repair(
                key="profile_adapted",
                active=bool(adapted := _adapted(self._drivers)),
                placeholders={"site": site, "details": adapted},
            ),
        ]

    def _on_server(self, what: Callable[[CentralTransport], str]) -> str:
        """What connectors on our server say, by connector ('' when none says anything)."""
        return "; ".join(
            f"{driver.config.name} ({driver.config.charge_point_id}): {text}"
            for driver in self._drivers
            if isinstance(transport := driver.actuator.transport, CentralTransport)
            and (text := what(transport))
        )


def _adapted(drivers: Sequence[EvseDriver]) -> str:
    """Connectors whose charger takes its profiles only unlike its settings, in words."""
    return "; ".join(
        f"{driver.config.name} ({driver.config.charge_point_id}): {adapted}"
        for driver in drivers
        if (adapted := driver.actuator.adapted)
    )


def _unseen(driver: EvseDriver, directory: OcppDirectory) -> str:
    """What of its charger the OCPP integration does not show, in words ('' for nothing)."""
    evse = driver.config
    if evse.charge_point_id not in directory.chargers:
        return (
            f"{evse.name}: the OCPP integration has no charger {evse.charge_point_id}"
        )
    transport = driver.actuator.transport
    assert isinstance(transport, IntegrationTransport)
    missing = transport.entities.missing(charge_control=evse.pause_mode == PAUSE_STOP)
    return (
        f"{evse.name} ({evse.charge_point_id}): {', '.join(missing)}" if missing else ""
    )

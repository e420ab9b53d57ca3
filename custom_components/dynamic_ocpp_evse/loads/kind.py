"""What a kind of load provides: the protocols the site's coordinator, flows and entities use.

A kind owns everything particular to its loads: its subentry type and flow, the entities it
reads and how they become an engine load, how commands reach the device, its repair issues and
its actions. The rest of the integration names no kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryFlow
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..central.server import CentralSystem
from ..engine.model import Charger, Load
from ..engine.state import Command
from ..issues import Repair
from ..settings import LoadSettings
from .modes import ModeChoice


@dataclass(frozen=True, slots=True)
class SiteContext:
    """What a site offers its loads: its voltage, and its central system when it runs one."""

    voltage: float
    central: CentralSystem | None = None


class LoadUnavailable(HomeAssistantError):
    """The device behind a load cannot be reached: no call was made, or none got through."""


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

    async def async_removed(self) -> None:
        """The load was removed: take off the device what only the running site can.

        Never raises.
        """


class Driver(Protocol):
    """One configured load at run time: what it reads, and how it is commanded."""

    @property
    def id(self) -> str:
        """The load's id (its subentry id)."""

    @property
    def actuator(self) -> Actuator:
        """What carries its commands to the device."""

    @property
    def watched(self) -> list[str]:
        """The entities whose changes call for a new cycle."""

    @property
    def shared_limit(self) -> Charger | None:
        """A limit the load shares with others (a charger's, over its connectors), if any."""

    def read(self, hass: HomeAssistant, settings: LoadSettings) -> Load:
        """The load as the engine sees it now; what cannot be read is stale, never 0."""

    @property
    def figures(self) -> Mapping[str, float | None]:
        """What its kind shows beside the engine's figures, as last read (sensor key → value)."""


class LoadGroup(Protocol):
    """The loads of one kind in one site."""

    @property
    def drivers(self) -> Sequence[Driver]:
        """One per load, in the order of the subentries."""

    def async_listen(self) -> list[CALLBACK_TYPE]:
        """Follow what the kind must follow; returns the unsubscribe callbacks."""

    def repairs(self, site: str) -> list[Repair]:
        """Every repair issue of the kind, raised or not (`site`: the site's title)."""


class EntityLoads[D: Driver]:
    """The loads of a kind that reads only their own entities.

    They follow nothing else and raise no issue of their own (a missing entity is the site's).
    """

    def __init__(self, drivers: list[D]) -> None:
        """The kind's drivers, one per subentry."""
        self._drivers = drivers

    @property
    def drivers(self) -> Sequence[D]:
        """One per load."""
        return self._drivers

    def async_listen(self) -> list[CALLBACK_TYPE]:
        """Nothing to follow."""
        return []

    def repairs(self, site: str) -> list[Repair]:
        """No issue of their own."""
        return []


class LoadKind(Protocol):
    """A kind of load: one subentry type of the site."""

    @property
    def subentry_type(self) -> str:
        """The config subentry type (stored in the user's configuration: never renamed)."""

    @property
    def modes(self) -> ModeChoice:
        """The operating modes it offers."""

    @property
    def model(self) -> str:
        """The model its devices show."""

    @property
    def flow(self) -> type[ConfigSubentryFlow]:
        """The subentry flow that adds and changes one."""

    @property
    def repair_keys(self) -> tuple[str, ...]:
        """The keys of every repair issue the kind may raise."""

    def fix_flow(self, key: str, entry_id: str) -> RepairsFlow | None:
        """The flow that fixes one of its repair issues of a site (None: not fixable)."""

    def hardware_ids(self, data: Mapping[str, Any]) -> list[str]:
        """Identifiers of hardware in a subentry's data (serial numbers), for redaction."""

    def phases(self, data: Mapping[str, Any]) -> frozenset[str]:
        """The site phases ("A", "B", "C") a subentry's load is wired to."""

    def group(
        self,
        hass: HomeAssistant,
        subentries: Mapping[str, ConfigSubentry],
        site: SiteContext,
    ) -> LoadGroup:
        """The site's loads of this kind, ready to run."""

    async def async_forget(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """Loads that are removed: leave their devices without our commands; never raises."""

    def async_setup_actions(self, hass: HomeAssistant) -> None:
        """Register the kind's own actions (once, for every site)."""

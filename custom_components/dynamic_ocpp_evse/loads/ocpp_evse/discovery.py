"""The chargers of the HA OCPP integration and their entities, read from the registries.

What the OCPP integration registers (checked against its releases v0.10.9 and v0.11.0):
- devices: its central system; one per charger, identified by both the charger's websocket id
  and its charge point id (cpid, the id its entities and actions use); one per connector of a
  multi-connector charger, identified by "<cpid>-conn<N>";
- sensors with unique ids "ocpp.<cpid>[.conn<N>].<metric>.sensor", where the metric keeps its
  dots up to v0.10.9 ("status.connector") and has them replaced by "_" from v0.10.10 on
  ("status_connector"); connector metrics of a one-connector charger carry no "conn<N>";
- switches with unique ids "switch.ocpp.<cpid>[.conn<N>].<key>".
Both spellings are read the same way: a metric is named by its lower-case key with "_" for ".".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
import re
from typing import Any

from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .config import OCPP_DOMAIN

# The metrics a charger connector needs, by key, with the name the OCPP integration uses.
STATUS = "status_connector"
CURRENT_IMPORT = "current_import"
CURRENT_OFFERED = "current_offered"
POWER = "power_active_import"
ENERGY = "energy_active_import_register"
CHARGE_CONTROL = "charge_control"
RECONNECTS = "reconnects"  # of the charger: counts its websocket reconnections
METRIC_NAMES = {
    STATUS: "Status.Connector",
    CURRENT_IMPORT: "Current.Import",
    CURRENT_OFFERED: "Current.Offered",
    POWER: "Power.Active.Import",
    ENERGY: "Energy.Active.Import.Register",
    CHARGE_CONTROL: "Charge Control",
    RECONNECTS: "Reconnects",
}
_CONNECTOR = re.compile(r"conn(\d+)\.(.+)")
_CONNECTOR_DEVICE = re.compile(r"(.+)-conn\d+")


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorEntities:
    """The OCPP integration's entities for one connector (None where it has none)."""

    status: str | None = None
    current_import: str | None = None
    current_offered: str | None = None
    power: str | None = None
    energy: str | None = None
    charge_control: str | None = None  # the switch that starts and stops transactions
    reconnects: str | None = None  # the charger's reconnection counter

    @property
    def watched(self) -> list[str]:
        """The entities whose changes call for a new cycle."""
        return [
            e
            for e in (
                self.status,
                self.current_import,
                self.current_offered,
                self.reconnects,
            )
            if e is not None
        ]

    def missing(self, *, charge_control: bool) -> list[str]:
        """The names of the metrics control cannot do without, that have no entity."""
        needed = {STATUS: self.status, CURRENT_IMPORT: self.current_import}
        if charge_control:
            needed[CHARGE_CONTROL] = self.charge_control
        return [METRIC_NAMES[key] for key, entity in needed.items() if entity is None]


@dataclass(frozen=True, slots=True, kw_only=True)
class OcppCharger:
    """One charger of the OCPP integration."""

    charge_point_id: str  # the cpid: what its actions take as "devid"
    name: str
    # (connector, or None for the charger itself or a one-connector charger; metric key)
    entities: dict[tuple[int | None, str], str] = field(default_factory=dict)

    @property
    def connectors(self) -> int:
        """How many connectors its entities show (at least one)."""
        numbered = [n for n, _ in self.entities if n is not None]
        return max(numbered, default=1)

    def connector(self, number: int) -> ConnectorEntities:
        """The entities of one connector (1-based)."""
        several = self.connectors > 1

        def find(key: str) -> str | None:
            if several and (found := self.entities.get((number, key))):
                return found
            return self.entities.get((None, key))

        return ConnectorEntities(
            status=find(STATUS),
            current_import=find(CURRENT_IMPORT),
            current_offered=find(CURRENT_OFFERED),
            power=find(POWER),
            energy=find(ENERGY),
            charge_control=find(CHARGE_CONTROL),
            reconnects=self.entities.get((None, RECONNECTS)),
        )


def find_chargers(hass: HomeAssistant) -> dict[str, OcppCharger]:
    """Every charger the OCPP integration has entities for, by charge point id."""
    devices = dr.async_get(hass)
    found: dict[str, dict[tuple[int | None, str], str]] = {}
    names: dict[str, str] = {}
    for entry in er.async_get(hass).entities.values():
        if entry.platform != OCPP_DOMAIN:
            continue
        device = devices.async_get(entry.device_id) if entry.device_id else None
        parsed = _parse(entry.domain, entry.unique_id, _charger_ids(device))
        if parsed is None:
            continue
        cpid, connector, key = parsed
        found.setdefault(cpid, {})[connector, key] = entry.entity_id
        if device is not None and (OCPP_DOMAIN, cpid) in device.identifiers:
            names[cpid] = device.name_by_user or device.name or cpid
    return {
        cpid: OcppCharger(
            charge_point_id=cpid, name=names.get(cpid, cpid), entities=entities
        )
        for cpid, entities in found.items()
    }


def _charger_ids(device: dr.DeviceEntry | None) -> list[str]:
    """The ids a charger's entity may start with: its device's identifiers (longest first)."""
    if device is None:
        return []
    ids = []
    for domain, identifier in device.identifiers:
        if domain == OCPP_DOMAIN:
            connector = _CONNECTOR_DEVICE.fullmatch(identifier)
            ids.append(connector.group(1) if connector else identifier)
    return sorted(ids, key=len, reverse=True)


def _parse(
    domain: str, unique_id: str, charger_ids: Iterable[str]
) -> tuple[str, int | None, str] | None:
    """(cpid, connector, metric key) of an OCPP entity's unique id, or None for others."""
    if domain == "sensor" and unique_id.endswith(".sensor"):
        body = unique_id.removeprefix(f"{OCPP_DOMAIN}.").removesuffix(".sensor")
    elif domain == "switch":
        body = unique_id.removeprefix(f"switch.{OCPP_DOMAIN}.")
    else:
        return None
    if body == unique_id:
        return None
    cpid = next((c for c in charger_ids if body.startswith(f"{c}.")), None)
    if cpid is None:  # no device to tell: a cpid has no dots in current releases
        cpid = body.partition(".")[0]
    rest = body.removeprefix(f"{cpid}.")
    connector: int | None = None
    if match := _CONNECTOR.fullmatch(rest):
        connector, rest = int(match.group(1)), match.group(2)
    return cpid, connector, rest.lower().replace(".", "_")


class OcppDirectory:
    """`find_chargers`, read again only after the entity or device registry changed."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing read."""
        self._hass = hass
        self._chargers: dict[str, OcppCharger] | None = None

    @callback
    def async_listen(self) -> list[CALLBACK_TYPE]:
        """Follow registry changes; returns the unsubscribe callbacks."""
        return [
            self._hass.bus.async_listen(
                er.EVENT_ENTITY_REGISTRY_UPDATED, self._changed
            ),
            self._hass.bus.async_listen(
                dr.EVENT_DEVICE_REGISTRY_UPDATED, self._changed
            ),
        ]

    @callback
    def _changed(self, _event: Event[Any]) -> None:
        self._chargers = None

    @property
    def chargers(self) -> dict[str, OcppCharger]:
        """Every charger, by charge point id."""
        if self._chargers is None:
            self._chargers = find_chargers(self._hass)
        return self._chargers

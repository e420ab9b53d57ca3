"""Find the chargers of the HA OCPP integration and their entities through the registries.

The OCPP integration registers one device per charger, identified by ("ocpp", charge point id),
and one per connector of a multi-connector charger ("ocpp", "<id>-conn<n>"). Its sensors'
unique ids are "ocpp.<id>.<metric>.sensor", or "ocpp.<id>.conn<n>.<metric>.sensor" per connector.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import OCPP_DOMAIN

STATUS = "status.connector"
CURRENT_IMPORT = "current.import"
CURRENT_OFFERED = "current.offered"


def ocpp_chargers(hass: HomeAssistant) -> dict[str, str]:
    """Charge point id -> name of every charger the OCPP integration has registered."""
    chargers: dict[str, str] = {}
    for device in dr.async_get(hass).devices.values():
        for domain, identifier in device.identifiers:
            if domain == OCPP_DOMAIN and "-conn" not in identifier:
                chargers[identifier] = device.name_by_user or device.name or identifier
    return chargers


def connector_count(hass: HomeAssistant, charge_point_id: str) -> int:
    """How many connectors the charger has (connector devices, or one)."""
    prefix = f"{charge_point_id}-conn"
    count = sum(
        1
        for device in dr.async_get(hass).devices.values()
        for domain, identifier in device.identifiers
        if domain == OCPP_DOMAIN and identifier.startswith(prefix)
    )
    return max(count, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorEntities:
    """The OCPP integration's sensors of one connector (None when not registered)."""

    status: str | None
    current_import: str | None
    current_offered: str | None
    charge_control: str | None = None  # the switch that starts and stops transactions


def connector_entities(
    hass: HomeAssistant, charge_point_id: str, connector: int
) -> ConnectorEntities:
    """Look the connector's sensors up by the unique ids the OCPP integration gives them."""
    registry = er.async_get(hass)
    several = connector_count(hass, charge_point_id) > 1

    def find(metric: str) -> str | None:
        parts = [OCPP_DOMAIN, charge_point_id, metric, "sensor"]
        if several:
            parts.insert(2, f"conn{connector}")
        return registry.async_get_entity_id("sensor", OCPP_DOMAIN, ".".join(parts))

    return ConnectorEntities(
        status=find(STATUS),
        current_import=find(CURRENT_IMPORT),
        current_offered=find(CURRENT_OFFERED),
        charge_control=_charge_control(
            registry, charge_point_id, connector, several=several
        ),
    )


def _charge_control(
    registry: er.EntityRegistry, charge_point_id: str, connector: int, *, several: bool
) -> str | None:
    """The OCPP integration's charge control switch of a connector (or of the charger)."""
    prefix = f"{OCPP_DOMAIN}.{charge_point_id}."
    candidates = [
        entry
        for entry in registry.entities.values()
        if entry.platform == OCPP_DOMAIN
        and entry.domain == "switch"
        and entry.unique_id.startswith(prefix)
        and "charge_control" in entry.unique_id
    ]
    if several:
        mine = [e for e in candidates if f".conn{connector}." in e.unique_id]
        candidates = mine or candidates
    return candidates[0].entity_id if candidates else None

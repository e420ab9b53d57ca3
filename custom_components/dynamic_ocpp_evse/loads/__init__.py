"""The kinds of load a site can have, and the loads of a site by kind.

Adding a kind is one package here (its config, flow, driver and actuator) and its translations.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, ConfigSubentry

from .kind import Driver, LoadKind
from .ocpp_evse import OCPP_EVSE
from .plug import PLUG
from .thermal import THERMAL

KINDS: tuple[LoadKind, ...] = (PLUG, OCPP_EVSE, THERMAL)


def kind_of(subentry_type: str) -> LoadKind | None:
    """The kind a subentry type names (None: not a load)."""
    return next((k for k in KINDS if k.subentry_type == subentry_type), None)


def subentries_of(entry: ConfigEntry, kind: LoadKind) -> dict[str, ConfigSubentry]:
    """A site's subentries of one kind, by id."""
    return {
        subentry_id: subentry
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == kind.subentry_type
    }


__all__ = ["KINDS", "Driver", "LoadKind", "kind_of", "subentries_of"]

"""A site's repair issues: raised at once, withdrawn once their cause is gone.

An issue whose cause may come and go (`linger`) is withdrawn only once that has been gone for
ISSUE_CLEAR_AFTER_S, so a flapping cause does not make it come and go. Issue ids are the key
and the site's entry id; the key is also the translation key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
import time

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

ISSUE_CLEAR_AFTER_S = 60.0
# The site's own issues; each kind of load names its own (LoadKind.repair_keys).
SITE_REPAIR_KEYS = (
    "meter_stale",
    "meter_not_following",
    "settings_unreadable",
    "entity_missing",
    "not_following",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Repair:
    """A repair issue of a site: its key (also its translation key) and whether it holds."""

    key: str
    active: bool
    placeholders: dict[str, str] = field(default_factory=dict)
    linger: bool = False  # withdrawn only once its cause has been gone a while
    fixable: bool = False  # its kind of load offers a flow that fixes it


class SiteRepairs:
    """The repair issues one site raised, and since when each cause is gone."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Start with nothing raised."""
        self._hass = hass
        self._entry_id = entry_id
        self._raised: set[str] = set()
        self._clear_since: dict[str, float] = {}

    def update(self, repairs: Iterable[Repair]) -> None:
        """Raise every active issue; withdraw those whose cause is gone."""
        for repair in repairs:
            self._set(repair)

    def _set(self, repair: Repair) -> None:
        issue_id = f"{repair.key}_{self._entry_id}"
        if repair.active:
            self._clear_since.pop(issue_id, None)
            self._raised.add(issue_id)
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                issue_id,
                is_fixable=repair.fixable,
                severity=ir.IssueSeverity.ERROR,
                translation_key=repair.key,
                translation_placeholders=repair.placeholders,
            )
            return
        if repair.linger and issue_id in self._raised:
            now = time.monotonic()
            if now - self._clear_since.setdefault(issue_id, now) < ISSUE_CLEAR_AFTER_S:
                return
            del self._clear_since[issue_id]
        self._raised.discard(issue_id)
        ir.async_delete_issue(self._hass, DOMAIN, issue_id)


def forget_repairs(hass: HomeAssistant, entry_id: str, keys: Iterable[str]) -> None:
    """Withdraw every issue of a removed site."""
    for key in keys:
        ir.async_delete_issue(hass, DOMAIN, f"{key}_{entry_id}")

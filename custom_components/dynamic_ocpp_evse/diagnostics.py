"""Diagnostics: the configuration, the user settings and the last cycle."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import SiteConfigEntry

TO_REDACT = {"unique_id", "title"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SiteConfigEntry
) -> dict[str, Any]:
    """Everything needed to replay the last cycle."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    return {
        "entry": async_redact_data(dict(entry.data), TO_REDACT),
        "subentries": [
            async_redact_data(
                {"type": subentry.subentry_type, "data": dict(subentry.data)}, TO_REDACT
            )
            for subentry in entry.subentries.values()
        ],
        "settings": asdict(coordinator.settings),
        "snapshot": asdict(data.snapshot),
        "plan": asdict(data.plan),
        "commands": {
            load_id: asdict(command) for load_id, command in data.commands.items()
        },
        "health": dict(data.health),
    }

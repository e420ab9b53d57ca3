"""Diagnostics: the configuration, the user settings and the last cycle, with nothing personal.

Names (the site's, the loads'), entity ids (they often carry a name) and charge point ids (a
charger's serial number) are replaced wherever they appear, each by the same stand-in every
time (`entity_1`, `charger_1`, `name_1`), so that a cycle can still be followed from inputs to
commands. Load ids are the subentries' random ids and stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, split_entity_id

from .coordinator import SiteConfigEntry
from .loads import kind_of


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SiteConfigEntry
) -> dict[str, Any]:
    """Everything needed to replay the last cycle."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    raw = {
        "entry": {"title": entry.title, "data": dict(entry.data)},
        "subentries": {
            subentry_id: {
                "type": subentry.subentry_type,
                "title": subentry.title,
                "data": dict(subentry.data),
            }
            for subentry_id, subentry in entry.subentries.items()
        },
        "settings": asdict(coordinator.settings),
        "snapshot": asdict(data.snapshot),
        "plan": asdict(data.plan),
        "commands": {
            load_id: asdict(command) for load_id, command in data.commands.items()
        },
        "health": dict(data.health),
        # What the engine used: the control's flags and the timers' seconds left.
        "control": {
            load_id: {
                "flags": asdict(flags),
                "seconds_left": data.seconds_left.get(load_id),
            }
            for load_id, flags in data.flags.items()
        },
    }
    redacted: dict[str, Any] = _redact(raw, _stand_ins(entry))
    return redacted


def _stand_ins(entry: SiteConfigEntry) -> dict[str, str]:
    """Every personal value of the site and what replaces it."""
    configs = [dict(entry.data), *(dict(s.data) for s in entry.subentries.values())]
    names = [entry.title, *(s.title for s in entry.subentries.values())]
    names += [str(c[CONF_NAME]) for c in configs if c.get(CONF_NAME)]
    chargers = [
        value
        for subentry in entry.subentries.values()
        if (load_kind := kind_of(subentry.subentry_type))
        for value in load_kind.hardware_ids(subentry.data)
    ]
    entities = [value for config in configs for value in _entity_ids(config.values())]
    stand_ins: dict[str, str] = {}
    for kind, values in (("charger", chargers), ("entity", entities), ("name", names)):
        fresh = [value for value in sorted(set(values)) if value not in stand_ins]
        for number, value in enumerate(fresh, start=1):
            stand_ins[value] = f"{kind}_{number}"
    return stand_ins


def _entity_ids(values: Iterable[Any]) -> list[str]:
    items = [
        item
        for value in values
        for item in (value if isinstance(value, list) else [value])
    ]
    return [item for item in items if isinstance(item, str) and _is_entity_id(item)]


def _is_entity_id(text: str) -> bool:
    try:
        domain, object_id = split_entity_id(text)
    except ValueError:
        return False
    return bool(domain) and bool(object_id) and " " not in text


def _redact(value: Any, stand_ins: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            stand_ins.get(k, k) if isinstance(k, str) else k: _redact(v, stand_ins)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item, stand_ins) for item in value]
    if isinstance(value, str):
        return stand_ins.get(value, value)
    return value

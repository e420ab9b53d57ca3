"""Checks every form of the integration shares: numbers, names and entities.

The selectors alone let through what an API call or a hand-written value can send: `nan`, a
name of any length, one of the site's own sensors as its input. Each is a field error here.
"""

from __future__ import annotations

import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
import voluptuous as vol

from .const import DOMAIN

MAX_NAME_LENGTH = (
    64  # keeps every entity id derived from it well within Home Assistant's
)


def form_errors(
    hass: HomeAssistant, schema: vol.Schema, user_input: dict[str, Any]
) -> dict[str, str]:
    """Per-field error keys for what the schema's selectors do not catch."""
    errors: dict[str, str] = {}
    registry = er.async_get(hass)
    for marker, field in schema.schema.items():
        key = str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        value = user_input.get(key)
        if value is None:
            continue
        if isinstance(field, selector.NumberSelector):
            error = _number_error(value, field.config)
        elif isinstance(field, selector.TextSelector):
            text = str(value).strip()
            error = (
                "name_empty"
                if not text
                else "name_too_long"
                if len(text) > MAX_NAME_LENGTH
                else None
            )
        elif isinstance(field, selector.EntitySelector):
            entry = registry.async_get(str(value))
            error = "own_entity" if entry and entry.platform == DOMAIN else None
        else:
            error = None
        if error:
            errors[key] = error
    return errors


def _number_error(value: Any, config: Any) -> str | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "not_finite"
    if not math.isfinite(number):
        return "not_finite"
    if number < config.get("min", -math.inf) or number > config.get("max", math.inf):
        return "out_of_range"
    return None

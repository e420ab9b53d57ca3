"""Fields and checks every form of the integration shares: numbers, names and entities.

The selectors alone let through what an API call or a hand-written value can send: `nan`, a
name of any length, one of the site's own sensors as its input. Each is a field error here.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_NAME,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
import voluptuous as vol

from .const import CONF_GRID_METERS, DOMAIN
from .engine.units import GRID_UNITS, Quantity, parse_number, quantity_of

SENSOR = selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor"))
POWER_UNITS = frozenset(u for u in GRID_UNITS if quantity_of(u) is Quantity.POWER)


class _RangeInText(selector.NumberSelector):
    """A number selector that lets a number outside its range through to `form_errors`.

    Home Assistant's own check refuses it with "Value 5000.0 is too large"; ours names the
    field's range. The form still shows the range and unit.
    """

    def __call__(self, data: Any) -> float:
        """Only a number; its range is the form's check."""
        number: float = vol.Coerce(float)(data)
        return number


def number_field(
    minimum: float, maximum: float, unit: str, step: float = 1
) -> selector.NumberSelector:
    """A number typed into a box, with its range and unit."""
    return _RangeInText(
        selector.NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=selector.NumberSelectorMode.BOX,
        )
    )


def site_phases(entry: ConfigEntry) -> list[str]:
    """The phases a site has a grid meter for ("A", "B", "C")."""
    return [key[-1].upper() for key in CONF_GRID_METERS if entry.data.get(key)]


def registry_id(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's registry id, which survives renames (its entity id when unregistered)."""
    entry = er.async_get(hass).async_get(entity_id)
    return entry.id if entry else entity_id


def entity_error(
    hass: HomeAssistant, entity_id: str, units: frozenset[str]
) -> str | None:
    """The error key for an input entity, or None when it can be used.

    A reading that is unavailable right now is accepted: the meter is still the right one.
    """
    state = hass.states.get(entity_id)
    if state is None:
        return "entity_not_found"
    if state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in units:
        return "unsupported_unit"
    if (
        state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        and parse_number(state.state) is None
    ):
        return "not_numeric"
    return None


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
        elif isinstance(field, selector.TextSelector) and key == CONF_NAME:
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


def error_placeholders(
    hass: HomeAssistant,
    schema: vol.Schema,
    user_input: Mapping[str, Any],
    errors: Mapping[str, str],
) -> dict[str, str]:
    """What the error texts name, in the form's field order.

    `allowed`: the range of each number outside it; `unit`: the unit of each entity refused
    for its unit.
    """
    allowed: list[str] = []
    units: list[str] = []
    for marker, field in schema.schema.items():
        key = str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        error = errors.get(key)
        if error == "out_of_range" and isinstance(field, selector.NumberSelector):
            config = field.config
            suffix = config.get("unit_of_measurement") or ""
            allowed.append(f"{config['min']:g} to {config['max']:g} {suffix}".rstrip())
        elif error == "unsupported_unit":
            state = hass.states.get(str(user_input.get(key)))
            shown = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) if state else None
            units.append(f"'{shown}'" if shown else "no unit")
    return {"allowed": "; ".join(allowed), "unit": ", ".join(units)}

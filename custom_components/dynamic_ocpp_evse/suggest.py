"""Suggest the site's entities when their device class and names make it obvious."""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant, State

from .const import CONF_BATTERY_POWER, CONF_BATTERY_SOC, CONF_GRID_METERS, CONF_SOLAR

_PHASE_WORDS = (
    ("l1", "phase_a", "phase a"),
    ("l2", "phase_b", "phase b"),
    ("l3", "phase_c", "phase c"),
)
_ELECTRIC = (SensorDeviceClass.CURRENT, SensorDeviceClass.POWER)


def _words(state: State) -> str:
    return f"{state.entity_id} {state.attributes.get(ATTR_FRIENDLY_NAME, '')}".lower()


def suggest_site_entities(hass: HomeAssistant) -> dict[str, str]:
    """Field -> entity id, for every field exactly one sensor obviously fits."""
    sensors = hass.states.async_all("sensor")
    candidates: dict[str, list[str]] = {}

    def consider(field: str, state: State) -> None:
        candidates.setdefault(field, []).append(state.entity_id)

    for state in sensors:
        words = _words(state)
        device_class = state.attributes.get(ATTR_DEVICE_CLASS)
        if device_class in _ELECTRIC and "grid" in words:
            for key, tokens in zip(CONF_GRID_METERS, _PHASE_WORDS, strict=True):
                if any(token in words for token in tokens):
                    consider(key, state)
        if device_class == SensorDeviceClass.POWER and (
            "solar" in words or "pv" in words.split("_")
        ):
            consider(CONF_SOLAR, state)
        if device_class == SensorDeviceClass.POWER and "battery" in words:
            consider(CONF_BATTERY_POWER, state)
        if device_class == SensorDeviceClass.BATTERY and "battery" in words:
            consider(CONF_BATTERY_SOC, state)
    return {field: found[0] for field, found in candidates.items() if len(found) == 1}

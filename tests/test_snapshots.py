"""Every entity of every platform as a snapshot: ids, classes, units, categories, states.

What is compared is what a user and the recorder see of an entity — its registry fields that
this integration sets, and its state with its attributes — not the registry entry's whole
repr, which gains fields from one Home Assistant release to the next: the same snapshot holds
on both supported versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from .conftest import setup_site

_REGISTRY_FIELDS = (
    "unique_id",
    "translation_key",
    "device_class",
    "original_device_class",
    "entity_category",
    "unit_of_measurement",
    "capabilities",
    "disabled_by",
    "hidden_by",
)


def _plain(mapping: Mapping[Any, Any] | None) -> dict[str, Any] | None:
    """Keys as plain strings (newer releases key attributes by StrEnum members)."""
    return None if mapping is None else {str(k): v for k, v in mapping.items()}


def _view(hass: HomeAssistant, entry: er.RegistryEntry) -> dict[str, Any]:
    state = hass.states.get(entry.entity_id)
    assert state is not None, f"{entry.entity_id} has no state"
    device = dr.async_get(hass).async_get(entry.device_id) if entry.device_id else None
    registry = {name: getattr(entry, name) for name in _REGISTRY_FIELDS}
    registry["capabilities"] = _plain(entry.capabilities)
    return {
        "registry": registry,
        "device": device.model if device else None,
        "state": state.state,
        "attributes": _plain(state.attributes),
    }


@pytest.mark.parametrize(
    "platform", [Platform.BUTTON, Platform.NUMBER, Platform.SELECT, Platform.SENSOR]
)
@pytest.mark.usefixtures("fake_site")
async def test_platform(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    with patch("custom_components.dynamic_ocpp_evse.PLATFORMS", [platform]):
        await setup_site(hass, mock_config_entry)
    entries = er.async_entries_for_config_entry(
        entity_registry, mock_config_entry.entry_id
    )
    assert entries
    assert {entry.domain for entry in entries} == {platform.value}
    for entry in sorted(entries, key=lambda e: e.entity_id):
        assert _view(hass, entry) == snapshot(name=entry.entity_id)

"""Shared fixtures."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN

SITE_DATA: dict[str, Any] = {
    "name": "Home",
    "grid_phase_a": "sensor.grid_current_l1",
    "grid_phase_b": "sensor.grid_current_l2",
    "grid_phase_c": "sensor.grid_current_l3",
    "invert_grid_sign": False,
    "breaker_rating": 25,
    "voltage": 230,
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load our integration from custom_components in every test."""


@pytest.fixture
def grid_meters(hass: HomeAssistant) -> None:
    """Three grid current meters importing a few amps."""
    for phase, value in (("l1", "3.2"), ("l2", "1.0"), ("l3", "-0.5")):
        hass.states.async_set(
            f"sensor.grid_current_{phase}",
            value,
            {"unit_of_measurement": "A", "device_class": "current"},
        )


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A site entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN, title="Home", data=SITE_DATA, unique_id="sensor.grid_current_l1"
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, grid_meters: None, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """A loaded site entry."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry

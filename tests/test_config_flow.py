"""Tests of the site config flow."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN

from .conftest import SITE_DATA

pytestmark = pytest.mark.usefixtures("grid_meters")


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


async def test_user_creates_site(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    assert result["data"] == SITE_DATA
    assert result["result"].unique_id == "sensor.grid_current_l1"


async def test_single_phase_site_in_kilowatts(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.grid_power", "1.2", {"unit_of_measurement": "kW"})
    flow_id = await _start(hass)
    data = {
        "name": "Cabin",
        "grid_phase_a": "sensor.grid_power",
        "invert_grid_sign": True,
        "breaker_rating": 16,
        "voltage": 230,
    }
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == data


async def test_unavailable_meter_is_accepted(hass: HomeAssistant) -> None:
    """A meter that is briefly unavailable during setup is still the right meter."""
    hass.states.async_set(
        "sensor.grid_current_l2", "unavailable", {"unit_of_measurement": "A"}
    )
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"grid_phase_a": "sensor.nothing_here"}, {"grid_phase_a": "entity_not_found"}),
        ({"grid_phase_b": "sensor.energy"}, {"grid_phase_b": "unsupported_unit"}),
        ({"grid_phase_c": "sensor.broken"}, {"grid_phase_c": "not_numeric"}),
        (
            {"grid_phase_c": "sensor.grid_current_l1"},
            {"grid_phase_c": "duplicate_meter"},
        ),
    ],
)
async def test_meter_errors_name_the_field(
    hass: HomeAssistant, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    hass.states.async_set("sensor.energy", "12", {"unit_of_measurement": "kWh"})
    hass.states.async_set("sensor.broken", "on", {"unit_of_measurement": "A"})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**SITE_DATA, **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    # The user corrects the field and nothing else is lost.
    result = await hass.config_entries.flow.async_configure(flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_meter_twice_aborts(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_unique_id_survives_meter_rename(hass: HomeAssistant) -> None:
    """A registered meter is identified by its registry id, not its renameable entity id."""
    registry_entry = er.async_get(hass).async_get_or_create(
        "sensor", "meter", "grid-l1", suggested_object_id="grid_meter_l1"
    )
    hass.states.async_set(registry_entry.entity_id, "2", {"unit_of_measurement": "A"})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**SITE_DATA, "grid_phase_a": registry_entry.entity_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == registry_entry.id

"""Restarts lose nothing: the control's memory, a corrupt file, meters that come up late."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.control_store import ControlStore
from custom_components.dynamic_ocpp_evse.engine.model import Mode
from custom_components.dynamic_ocpp_evse.engine.state import LoadState

from .conftest import FakeSite, state_of


async def test_the_control_state_survives_on_a_new_monotonic_clock(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    state = LoadState(
        command_a=13.5,
        mode=Mode.SOLAR,
        active=True,
        stopped_at=1000.0,
        stops=4,
        sent_at=1190.0,
        running_w=1980.0,
    )
    saving = ControlStore(hass, "site")
    saving.schedule_save({"car": state}, wall=1_700_000_000.0, monotonic=1200.0)
    await saving.async_flush()
    # Home Assistant restarted: 60 s later on the wall, its monotonic clock begins anew.
    loaded = await ControlStore(hass, "site").async_load(
        wall=1_700_000_060.0, monotonic=5.0
    )
    assert loaded == {
        "car": LoadState(
            command_a=13.5,
            mode=Mode.SOLAR,
            active=True,
            stopped_at=5.0 - 260.0,  # 200 s before the save, which was 60 s ago
            stops=4,
            sent_at=5.0 - 70.0,
            running_w=1980.0,
        )
    }


async def test_nonsense_in_the_control_file_is_left_out(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage[f"{DOMAIN}.site.control"] = {
        "version": 1,
        "key": f"{DOMAIN}.site.control",
        "data": {
            "loads": {
                "car": {
                    "command_a": "lots",
                    "stops": -3,
                    "mode": "warp",
                    "sent_at": None,
                },
                "plug": ["not", "a", "state"],
            }
        },
    }
    loaded = await ControlStore(hass, "site").async_load(wall=0.0, monotonic=0.0)
    assert loaded == {"car": LoadState()}


async def test_settings_that_cannot_be_used_give_the_defaults_and_a_repair(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
) -> None:
    key = f"{DOMAIN}.{mock_config_entry.entry_id}.settings"
    hass_storage[key] = {"version": 1, "key": key, "data": ["not", "settings"]}
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "select.home_charging_mode") == "standard"
    issue_id = f"settings_unreadable_{mock_config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charging_mode", "option": "eco"},
        blocking=True,
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_settings_file_that_cannot_be_read_does_not_stop_the_site(
    hass: HomeAssistant, fake_site: FakeSite, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    with patch.object(Store, "async_load", side_effect=HomeAssistantError("disk")):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    issue_id = f"settings_unreadable_{mock_config_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

"""Setting up, unloading, reloading and removing a site."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.coordinator import DynamicOcppEvseCoordinator

from .conftest import (
    BOILER,
    HEATER,
    SITE_DATA,
    FakeSite,
    plug_subentry,
    setup_site,
    state_of,
)


def _state(hass: HomeAssistant) -> ConfigEntryState:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry.state


async def test_setup_creates_site_and_load_devices(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), init_integration.entry_id
    )
    by_identifier = {next(iter(d.identifiers))[1]: d for d in devices}
    assert set(by_identifier) == {init_integration.entry_id, "boiler_id", "heater_id"}
    site = by_identifier[init_integration.entry_id]
    assert site.name == "Home"
    assert site.entry_type is dr.DeviceEntryType.SERVICE
    boiler = by_identifier["boiler_id"]
    assert boiler.name == "Boiler"
    assert boiler.via_device_id == site.id
    entities = er.async_entries_for_device(er.async_get(hass), boiler.id)
    assert {e.config_subentry_id for e in entities} == {"boiler_id"}


async def test_no_deprecated_calls(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant reports what a custom integration calls that is deprecated: nothing."""
    await setup_site(hass, mock_config_entry)
    boiler = next(
        d
        for d in dr.async_entries_for_config_entry(
            dr.async_get(hass), mock_config_entry.entry_id
        )
        if (DOMAIN, "boiler_id") in d.identifiers
    )
    await hass.services.async_call(
        DOMAIN,
        "set_operating_mode",
        {"device_id": boiler.id, "mode": "off"},
        blocking=True,
    )
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert "custom integration 'dynamic_ocpp_evse'" not in caplog.text


async def test_unload_and_reload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _state(hass) is ConfigEntryState.NOT_LOADED
    assert state_of(hass, "sensor.home_status") == "unavailable"

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _state(hass) is ConfigEntryState.LOADED
    assert state_of(hass, "sensor.home_status") == "ok"


async def test_entry_update_reloads_site(
    hass: HomeAssistant, init_integration: MockConfigEntry, fake_site: FakeSite
) -> None:
    """A new breaker rating is used after the reload the update listener does."""
    # House 2 A and the boiler (Standard, 10 A) on phase A.
    assert float(state_of(hass, "sensor.home_free_for_loads_phase_a")) == 13.0
    hass.config_entries.async_update_entry(
        init_integration, data={**init_integration.data, "breaker_rating": 32}
    )
    await hass.async_block_till_done()
    assert _state(hass) is ConfigEntryState.LOADED
    assert float(state_of(hass, "sensor.home_free_for_loads_phase_a")) == 20.0


async def test_removing_a_plug_removes_its_device(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    hass.config_entries.async_remove_subentry(init_integration, "heater_id")
    await hass.async_block_till_done()
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), init_integration.entry_id
    )
    assert {next(iter(d.identifiers))[1] for d in devices} == {
        init_integration.entry_id,
        "boiler_id",
    }
    assert hass.states.get("select.heater_operating_mode") is None


async def test_removing_the_site_forgets_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Its settings and control files and its repair issues go with it."""
    entry_id = init_integration.entry_id
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charging_mode", "option": "eco"},
        blocking=True,
    )
    hass.states.async_remove("sensor.grid_current_l3")
    await init_integration.runtime_data.coordinator.async_refresh()
    await (
        init_integration.runtime_data.coordinator.async_shutdown()
    )  # writes the control file
    files = {f"{DOMAIN}.{entry_id}.settings", f"{DOMAIN}.{entry_id}.control"}
    assert files <= set(hass_storage)
    issues = ir.async_get(hass).issues
    assert (DOMAIN, f"entity_missing_{entry_id}") in issues

    assert await hass.config_entries.async_remove(entry_id)
    await hass.async_block_till_done()
    assert hass.config_entries.async_entries(DOMAIN) == []
    assert not files & set(hass_storage)
    assert not [key for key in ir.async_get(hass).issues if key[0] == DOMAIN]


async def test_a_load_added_while_the_site_sets_up_is_not_missed(
    hass: HomeAssistant, fake_site: FakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's onboarding adds loads one after another: one can land while the site
    reloads for the one before (its subentries already read)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=(plug_subentry("Boiler", BOILER, "boiler_id"),),
    )
    first_refresh = DynamicOcppEvseCoordinator.async_config_entry_first_refresh

    async def refresh_while_a_load_is_added(
        coordinator: DynamicOcppEvseCoordinator,
    ) -> None:
        if "heater_id" not in entry.subentries:
            hass.config_entries.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType(HEATER),
                    subentry_id="heater_id",
                    subentry_type="plug",
                    title="Heater",
                    unique_id="switch.heater",
                ),
            )
        await first_refresh(coordinator)

    monkeypatch.setattr(
        DynamicOcppEvseCoordinator,
        "async_config_entry_first_refresh",
        refresh_while_a_load_is_added,
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)  # reloads at once: no verdict
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert "heater_id" in entry.runtime_data.coordinator.drivers
    assert hass.states.get("select.heater_operating_mode") is not None

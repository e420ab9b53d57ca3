"""Circuit groups configured in Home Assistant: the form, and the engine keeping them."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData, SubentryFlowContext
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN

from .conftest import (
    BOILER,
    HEATER,
    SITE_DATA,
    FakeSite,
    plug_subentry,
    run_cycles,
    setup_site,
    state_of,
)


def _group(title: str, subentry_id: str, rating: float) -> ConfigSubentryData:
    return ConfigSubentryData(
        data={"rating": rating},
        subentry_id=subentry_id,  # type: ignore[typeddict-unknown-key]
        subentry_type="circuit_group",
        title=title,
        unique_id=None,
    )


async def test_two_plugs_on_a_16_a_group_never_run_together(
    hass: HomeAssistant, fake_site: FakeSite, freezer: FrozenDateTimeFactory
) -> None:
    """Both 10 A on phase A behind the garage's 16 A breaker (the main one has room)."""
    fake_site.plugs["switch.heater"] = ("A", 10.0)
    in_garage = {"circuit_group": "garage_id", "mode": "standard"}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={**SITE_DATA, "breaker_rating": 63},
        unique_id="sensor.grid_current_l1",
        subentries_data=(
            _group("Garage", "garage_id", 16),
            plug_subentry("Boiler", {**BOILER, **in_garage}, "boiler_id"),
            plug_subentry(
                "Heater", {**HEATER, **in_garage, "phases": ["A"]}, "heater_id"
            ),
        ),
    )
    await setup_site(hass, entry, background=True)
    await run_cycles(hass, freezer, fake_site, 30)
    states = {state_of(hass, "switch.boiler"), state_of(hass, "switch.heater")}
    assert states == {"on", "off"}
    waiting = "heater" if state_of(hass, "switch.heater") == "off" else "boiler"
    status = hass.states.get(f"sensor.{waiting}_status")
    assert status is not None
    assert (status.state, status.attributes["detail"]) == ("group", "Garage")
    use = hass.states.get("sensor.garage_use_phase_a")
    assert use is not None
    assert (float(use.state), use.attributes["rating"]) == (10.0, 16)
    assert float(state_of(hass, "sensor.garage_use_phase_b")) == 0.0


async def test_the_group_form_refuses_a_group_inside_itself(
    hass: HomeAssistant, fake_site: FakeSite
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        unique_id="sensor.grid_current_l1",
        subentries_data=(_group("Garage", "garage_id", 32),),
    )
    await setup_site(hass, entry)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "circuit_group"), context=SubentryFlowContext(source="user")
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"name": "Carport", "rating": 16, "parent_group": "garage_id"},
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    (carport,) = (s for s in entry.subentries.values() if s.title == "Carport")
    assert carport.data == {"rating": 16.0, "parent_group": "garage_id"}
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "circuit_group"),
        context=SubentryFlowContext(source="reconfigure", subentry_id="garage_id"),
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"name": "Garage", "rating": 32, "parent_group": carport.subentry_id},
    )
    assert result.get("errors") == {"parent_group": "parent_cycle"}
    # A load's form offers the site's groups.
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "plug"), context=SubentryFlowContext(source="user")
    )
    schema = result["data_schema"]
    assert schema is not None
    assert "circuit_group" in {str(marker) for marker in schema.schema}
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)

"""The site config flow (user, reconfigure) and the plug subentry flow."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigFlowContext,
    ConfigFlowResult,
    SubentryFlowContext,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN
from custom_components.dynamic_ocpp_evse.engine.breaker import BreakerType

from .certificates import self_signed
from .conftest import BOILER, SITE_DATA, state_of
from .e2e.bench import free_port

pytestmark = pytest.mark.usefixtures("grid_meters")


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    return result["flow_id"]


# The steps after the grid's, each asked only when the grid step ticks its switch.
PARTS = {
    "solar": ("with_solar", ("solar_power",)),
    "battery": (
        "with_battery",
        (
            "battery_power",
            "battery_soc",
            "battery_target_soc",
            "battery_support_soc",
            "inverter_max_power",
        ),
    ),
    "ocpp_server": (
        "with_ocpp_server",
        (
            "ocpp_server_port",
            "ocpp_server_host",
            "ocpp_server_certfile",
            "ocpp_server_keyfile",
        ),
    ),
}
PART_FIELDS = {field for _, fields in PARTS.values() for field in fields}
NO_BATTERY = {
    k: v for k, v in SITE_DATA.items() if k not in PARTS["battery"][1]
}  # the grid step's fields of the shared test site


async def _submit(
    hass: HomeAssistant, flow_id: str, data: dict[str, Any]
) -> ConfigFlowResult:
    """Answer the site's steps from `data`, from the step the flow is at.

    The grid step ticks a part when `data` has its sensor or setting (target and support
    SOC alone are not a battery); the walk stops at a form with errors or at the end.
    """
    has = {
        switch: any(data.get(f) not in (None, "") for f in fields[:2])
        for switch, fields in PARTS.values()
    }
    step_id = hass.config_entries.flow.async_get(flow_id)["step_id"]
    while True:
        if step_id in PARTS:
            answer = {k: v for k, v in data.items() if k in PARTS[step_id][1]}
        else:
            answer = {k: v for k, v in data.items() if k not in PART_FIELDS}
            answer = {**has, **answer}
        result = await hass.config_entries.flow.async_configure(flow_id, answer)
        if result["type"] is not FlowResultType.FORM or result["errors"]:
            return result
        step_id = result["step_id"]


async def test_user_creates_site(hass: HomeAssistant) -> None:
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    # A circuit breaker of curve B unless the user says otherwise; no battery's settings.
    assert result["data"] == {**NO_BATTERY, "breaker_type": "mcb_b"}
    assert result["result"].unique_id == "sensor.grid_current_l1"


async def test_each_part_has_its_own_step(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Solar, battery and server are asked after the grid, only those ticked, in turn."""
    hass.states.async_set("sensor.pv", "3000", {"unit_of_measurement": "W"})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**NO_BATTERY, "with_solar": True, "with_ocpp_server": True}
    )
    assert (result["type"], result["step_id"]) == (FlowResultType.FORM, "solar")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"solar_power": "sensor.pv"}
    )
    assert result["step_id"] == "ocpp_server"
    port = free_port()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"ocpp_server_port": port, "ocpp_server_host": "127.0.0.1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        **NO_BATTERY,
        "breaker_type": "mcb_b",
        "solar_power": "sensor.pv",
        "ocpp_server_port": port,
        "ocpp_server_host": "127.0.0.1",
    }
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_a_battery_needs_its_power(hass: HomeAssistant) -> None:
    """Without it, discharging could be taken for solar surplus: the field is required."""
    hass.states.async_set("sensor.soc", "40", {"unit_of_measurement": "%"})
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**NO_BATTERY, "with_battery": True}
    )
    assert result["step_id"] == "battery"
    with pytest.raises(InvalidData):
        await hass.config_entries.flow.async_configure(
            flow_id, {"battery_soc": "sensor.soc"}
        )


async def test_single_phase_site_in_kilowatts_with_battery_and_solar(
    hass: HomeAssistant,
) -> None:
    hass.states.async_set("sensor.grid_power", "1.2", {"unit_of_measurement": "kW"})
    hass.states.async_set("sensor.pv", "3000", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.battery_level", "55", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.battery_power", "-0.4", {"unit_of_measurement": "kW"})
    flow_id = await _start(hass)
    data = {
        "name": "Cabin",
        "grid_phase_a": "sensor.grid_power",
        "invert_grid_sign": True,
        "meter_interval": 300,  # reports only when its value changes
        "breaker_rating": 16,
        "breaker_type": "fuse_gg",
        "voltage": 230,
        "solar_power": "sensor.pv",
        "battery_soc": "sensor.battery_level",
        "battery_power": "sensor.battery_power",
        "battery_target_soc": 80,
        "battery_support_soc": 50,
        "inverter_max_power": 5000,
    }
    result = await _submit(hass, flow_id, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == data
    await hass.async_block_till_done()
    site = result["result"].runtime_data.coordinator.data.snapshot.site
    assert site.breaker_type is BreakerType.FUSE_GG  # it lends up to 1.25 x 16 A


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"voltage": "nan"}, {"voltage": "not_finite"}),
        ({"breaker_rating": "NaN"}, {"breaker_rating": "not_finite"}),
        ({"name": "h" * 10_000}, {"name": "name_too_long"}),
        ({"grid_phase_b": "sensor.home_surplus"}, {"grid_phase_b": "own_entity"}),
        ({"solar_power": "sensor.home_surplus"}, {"solar_power": "own_entity"}),
    ],
)
async def test_what_the_selectors_let_through_is_a_field_error(
    hass: HomeAssistant, changes: dict[str, Any], errors: dict[str, str]
) -> None:
    """NaN, a name of any length, or one of a site's own sensors as its input."""
    er.async_get(hass).async_get_or_create(
        "sensor", DOMAIN, "other_site_surplus", suggested_object_id="home_surplus"
    )
    hass.states.async_set("sensor.home_surplus", "1200", {"unit_of_measurement": "W"})
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, {**SITE_DATA, **changes})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_quiet_meter_is_pointed_out_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A meter that has not reported within the interval: said, then taken if wanted."""
    freezer.tick(timedelta(seconds=95))
    hass.states.async_set(
        "sensor.grid_current_l1", "3.0", {"unit_of_measurement": "A"}
    )  # only L1 reported just now
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "grid_phase_b": "meter_quiet",
        "grid_phase_c": "meter_quiet",
    }
    assert (
        "sensor.grid_current_l2 last reported 95 s ago"
        in (result["description_placeholders"] or {})["quiet"]
    )
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_longer_interval_takes_a_quiet_meter_at_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.tick(timedelta(seconds=95))
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, {**SITE_DATA, "meter_interval": 300})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unavailable_meter_is_accepted(hass: HomeAssistant) -> None:
    """A meter that is briefly unavailable during setup is still the right meter."""
    hass.states.async_set(
        "sensor.grid_current_l2", "unavailable", {"unit_of_measurement": "A"}
    )
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("changes", "errors", "said"),
    [
        (
            {"grid_phase_a": "sensor.nothing_here"},
            {"grid_phase_a": "entity_not_found"},
            {},
        ),
        (
            {"grid_phase_b": "sensor.energy"},
            {"grid_phase_b": "unsupported_unit"},
            {"unit": "'kWh'"},
        ),
        ({"grid_phase_c": "sensor.broken"}, {"grid_phase_c": "not_numeric"}, {}),
        (
            {"grid_phase_c": "sensor.grid_current_l1"},
            {"grid_phase_c": "duplicate_meter"},
            {},
        ),
        (
            {"breaker_rating": 5000, "voltage": 20},
            {"breaker_rating": "out_of_range", "voltage": "out_of_range"},
            {"allowed": "1 to 1000 A; 100 to 480 V"},
        ),
        (
            {"solar_power": "sensor.grid_current_l1"},
            {"solar_power": "unsupported_unit"},
            {"unit": "'A'"},
        ),
        (
            {"battery_soc": "sensor.energy", "battery_power": "sensor.power"},
            {"battery_soc": "unsupported_unit"},
            {"unit": "'kWh'"},
        ),
        (
            {"battery_power": "sensor.power", "battery_target_soc": 101},
            {"battery_target_soc": "out_of_range"},
            {"allowed": "0 to 100 %"},
        ),
    ],
)
async def test_errors_name_the_field(
    hass: HomeAssistant,
    changes: dict[str, Any],
    errors: dict[str, str],
    said: dict[str, str],
) -> None:
    """Each error is on its field, on the step that has it; its text names the range or
    the unit that is wrong."""
    hass.states.async_set("sensor.energy", "12", {"unit_of_measurement": "kWh"})
    hass.states.async_set("sensor.broken", "on", {"unit_of_measurement": "A"})
    hass.states.async_set("sensor.soc", "40", {"unit_of_measurement": "%"})
    hass.states.async_set("sensor.power", "40", {"unit_of_measurement": "W"})
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, {**SITE_DATA, **changes})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    placeholders = result["description_placeholders"] or {}
    assert {k: placeholders[k] for k in said} == said

    # The user corrects the field and nothing else is lost.
    kept = {k: v for k, v in changes.items() if k not in errors}
    result = await _submit(hass, flow_id, {**SITE_DATA, **kept})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_meter_twice_aborts(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await _submit(hass, flow_id, SITE_DATA)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_unique_id_survives_meter_rename(hass: HomeAssistant) -> None:
    """A registered meter is identified by its registry id, not its renameable entity id."""
    registry_entry = er.async_get(hass).async_get_or_create(
        "sensor", "meter", "grid-l1", suggested_object_id="grid_meter_l1"
    )
    hass.states.async_set(registry_entry.entity_id, "2", {"unit_of_measurement": "A"})
    flow_id = await _start(hass)
    result = await _submit(
        hass, flow_id, {**SITE_DATA, "grid_phase_a": registry_entry.entity_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == registry_entry.id


async def test_obvious_entities_are_suggested(hass: HomeAssistant) -> None:
    hass.states.async_set(
        "sensor.grid_current_l1",
        "1",
        {"unit_of_measurement": "A", "device_class": "current"},
    )
    hass.states.async_set(
        "sensor.solar_power", "1", {"unit_of_measurement": "W", "device_class": "power"}
    )
    hass.states.async_set(
        "sensor.battery_power",
        "1",
        {"unit_of_measurement": "W", "device_class": "power"},
    )
    hass.states.async_set(
        "sensor.battery_level",
        "1",
        {"unit_of_measurement": "%", "device_class": "battery"},
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    suggested = _suggested(result)
    assert suggested["grid_phase_a"] == "sensor.grid_current_l1"
    assert suggested["grid_phase_b"] == "sensor.grid_current_l2"
    assert (suggested["with_solar"], suggested["with_battery"]) == (True, True)
    assert not suggested["with_ocpp_server"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NO_BATTERY, "with_solar": True, "with_battery": True}
    )
    assert _suggested(result)["solar_power"] == "sensor.solar_power"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    suggested = _suggested(result)
    assert suggested["battery_power"] == "sensor.battery_power"
    assert suggested["battery_soc"] == "sensor.battery_level"


def _suggested(result: ConfigFlowResult) -> dict[str, Any]:
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


async def test_reconfigure_site(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_RECONFIGURE, "entry_id": init_integration.entry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await _submit(
        hass, result["flow_id"], {**SITE_DATA, "grid_phase_b": "sensor.nothing_here"}
    )
    assert result["errors"] == {"grid_phase_b": "entity_not_found"}
    result = await _submit(
        hass, result["flow_id"], {**SITE_DATA, "name": "House", "breaker_rating": 35}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert init_integration.title == "House"
    assert float(state_of(hass, "sensor.home_free_for_loads_phase_b")) == 33.0


async def test_reconfigure_adds_and_removes_a_part(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A part ticked on is asked for; one ticked off goes with all of its settings."""
    hass.states.async_set("sensor.pv", "3000", {"unit_of_measurement": "W"})
    context = ConfigFlowContext(
        source=SOURCE_RECONFIGURE, entry_id=init_integration.entry_id
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    assert not _suggested(result)["with_solar"]
    with_solar = {**NO_BATTERY, "solar_power": "sensor.pv"}
    result = await _submit(hass, result["flow_id"], with_solar)
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data == {**with_solar, "breaker_type": "mcb_b"}
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    assert _suggested(result)["with_solar"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NO_BATTERY, "with_solar": True}
    )
    assert _suggested(result)["solar_power"] == "sensor.pv"  # opens with what it has
    result = await _submit(hass, result["flow_id"], with_solar)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    result = await _submit(hass, result["flow_id"], NO_BATTERY)
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data == {**NO_BATTERY, "breaker_type": "mcb_b"}
    await hass.async_block_till_done()


async def test_reconfigure_keeps_the_phases_loads_are_wired_to(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The heater is on phase B: B's meter cannot go; C's can, and its sensors go with it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_RECONFIGURE, "entry_id": init_integration.entry_id},
    )
    without_b = {
        key: value for key, value in SITE_DATA.items() if key != "grid_phase_b"
    }
    result = await _submit(hass, result["flow_id"], without_b)
    assert result["errors"] == {"grid_phase_b": "phase_in_use"}
    assert (result.get("description_placeholders") or {}).get("in_use") == "Heater (B)"
    assert (
        er.async_get(hass).async_get("sensor.home_free_for_loads_phase_c") is not None
    )
    without_c = {
        key: value for key, value in SITE_DATA.items() if key != "grid_phase_c"
    }
    result = await _submit(hass, result["flow_id"], without_c)
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    assert registry.async_get("sensor.home_free_for_loads_phase_c") is None
    assert registry.async_get("sensor.home_grid_without_loads_phase_c") is None
    assert state_of(hass, "sensor.home_free_for_loads_phase_b") is not None


async def test_reconfigure_cannot_swap_the_site(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    hass.states.async_set("sensor.other_meter", "1", {"unit_of_measurement": "A"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_RECONFIGURE, "entry_id": init_integration.entry_id},
    )
    result = await _submit(
        hass, result["flow_id"], {**SITE_DATA, "grid_phase_a": "sensor.other_meter"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "different_site"


# --- plugs --------------------------------------------------------------------------------


async def _start_plug(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    source: str = SOURCE_USER,
    subentry_id: str | None = None,
) -> SubentryFlowResult:
    context: SubentryFlowContext = {"source": source}
    if subentry_id:
        context["subentry_id"] = subentry_id
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, "plug"), context=context
    )
    assert result["type"] is FlowResultType.FORM
    return result


async def test_the_plug_form_opens_with_a_real_power_and_named_phases(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _start_plug(hass, init_integration)
    schema = result["data_schema"]
    assert schema is not None
    fields = {str(marker): marker for marker in schema.schema}
    assert fields["power"].default() == 2000  # not the 1 W minimum
    phases = schema.schema[fields["phases"]].config
    assert phases["translation_key"] == "site_phase"  # "Phase A (L1)", as the site says


PLUG_INPUT = {
    "name": "Pool pump",
    "switch_entity": "switch.pool",
    "power": 1150,
    "phases": ["C"],
    "mode": "solar",
    "priority": 3,
}


async def test_add_plug(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    hass.states.async_set("switch.pool", "off")
    hass.states.async_set("sensor.pool_power", "0", {"unit_of_measurement": "W"})
    result = await _start_plug(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**PLUG_INPUT, "power_monitor": "sensor.pool_power"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    subentry = next(
        s for s in init_integration.subentries.values() if s.title == "Pool pump"
    )
    assert subentry.data == {
        "switch_entity": "switch.pool",
        "power": 1150,
        "phases": ["C"],
        "mode": "solar",
        "priority": 3,
        "power_monitor": "sensor.pool_power",
    }
    assert subentry.unique_id == "switch.pool"
    # The site reloads and the plug's entities appear with its initial choices.
    assert state_of(hass, "select.pool_pump_operating_mode") == "solar"
    assert state_of(hass, "number.pool_pump_priority") == "3"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"switch_entity": "switch.nowhere"}, {"switch_entity": "entity_not_found"}),
        (
            {"switch_entity": BOILER["switch_entity"]},
            {"switch_entity": "already_managed"},
        ),
        (
            {"power_monitor": "sensor.grid_current_l1"},
            {"power_monitor": "unsupported_unit"},
        ),
        ({"phases": []}, {"phases": "no_phase"}),
        ({"power": "nan"}, {"power": "not_finite"}),
        ({"power": 0}, {"power": "out_of_range"}),
        ({"name": "p" * 10_000}, {"name": "name_too_long"}),
        (
            {"power_monitor": "sensor.home_export_without_loads"},
            {"power_monitor": "own_entity"},
        ),
    ],
)
async def test_plug_errors_name_the_field(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    hass.states.async_set("switch.pool", "off")
    result = await _start_plug(hass, init_integration)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**PLUG_INPUT, **changes}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    said = result["description_placeholders"] or {}
    if "unsupported_unit" in errors.values():
        assert said["unit"] == "'A'"  # what the grid meter reports
    if "out_of_range" in errors.values():
        assert said["allowed"].startswith("1 to ")
        assert said["allowed"].endswith(" W")


async def test_plug_offers_only_the_sites_phases(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Cabin",
        data={**SITE_DATA, "grid_phase_b": None, "grid_phase_c": None},
    )
    entry.add_to_hass(hass)
    hass.states.async_set("switch.pool", "off")
    result = await _start_plug(hass, entry)
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**PLUG_INPUT, "phases": ["A", "C"]}
        )


async def test_reconfigure_plug(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _start_plug(hass, init_integration, SOURCE_RECONFIGURE, "boiler_id")
    assert result["step_id"] == "reconfigure"
    # Its own switch is not "already managed".
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "Hot water",
            "switch_entity": "switch.boiler",
            "power": 3000,
            "phases": ["A"],
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = init_integration.subentries["boiler_id"]
    assert subentry.title == "Hot water"
    assert subentry.data["power"] == 3000
    assert subentry.data["mode"] == "follow_site"  # kept from the first setup


async def test_reconfigure_clears_an_optional_field_left_empty(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    hass.states.async_set("sensor.boiler_meter", "0", {"unit_of_measurement": "W"})
    form = {
        "name": "Boiler",
        "switch_entity": "switch.boiler",
        "power": 2300,
        "phases": ["A"],
    }
    for monitor in ({"power_monitor": "sensor.boiler_meter"}, {}):
        result = await _start_plug(
            hass, init_integration, SOURCE_RECONFIGURE, "boiler_id"
        )
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {**form, **monitor}
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        data = init_integration.subentries["boiler_id"].data
        assert data.get("power_monitor") == monitor.get("power_monitor")
        assert data["mode"] == "follow_site"


async def test_the_servers_certificate_and_key_are_checked(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None
) -> None:
    """Both or neither, files that exist and load together; the field is named.

    The site created at the end runs its server (TLS) on a free port of 127.0.0.1.
    """
    cert, key, _ = self_signed(tmp_path)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    server = {"ocpp_server_port": free_port(), "ocpp_server_host": "127.0.0.1"}
    flow_id = await _start(hass)
    for files, errors in (
        (
            {"ocpp_server_certfile": str(cert)},
            {"ocpp_server_keyfile": "tls_pair_required"},
        ),
        (
            {
                "ocpp_server_certfile": str(tmp_path / "nope.pem"),
                "ocpp_server_keyfile": str(key),
            },
            {"ocpp_server_certfile": "tls_file_missing"},
        ),
        (
            {"ocpp_server_certfile": str(garbage), "ocpp_server_keyfile": str(key)},
            {"ocpp_server_certfile": "tls_unreadable"},
        ),
    ):
        result = await _submit(hass, flow_id, {**SITE_DATA, **server, **files})
        assert result["errors"] == errors, files
    files = {"ocpp_server_certfile": str(cert), "ocpp_server_keyfile": str(key)}
    result = await _submit(hass, flow_id, {**SITE_DATA, **server, **files})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["ocpp_server_keyfile"] == str(key)
    await hass.async_block_till_done()
    coordinator = result["result"].runtime_data.coordinator
    assert coordinator.central is not None
    assert coordinator.central.ssl is not None  # listening with TLS
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_an_old_entry_opens_with_only_the_parts_it_uses(
    hass: HomeAssistant,
) -> None:
    """Made by the one-step form: a server address without a port (no server) and an
    inverter limit without a battery tick no part; a port is kept a whole number."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data={**SITE_DATA, "ocpp_server_host": "0.0.0.0", "inverter_max_power": 5000},
        unique_id="sensor.grid_current_l1",
    )
    entry.add_to_hass(hass)
    context = ConfigFlowContext(source=SOURCE_RECONFIGURE, entry_id=entry.entry_id)
    result = await hass.config_entries.flow.async_init(DOMAIN, context=context)
    suggested = _suggested(result)
    assert (suggested["with_ocpp_server"], suggested["with_battery"]) == (False, False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NO_BATTERY, "with_ocpp_server": True}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"ocpp_server_port": 9123, "ocpp_server_host": "127.0.0.1"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert type(entry.data["ocpp_server_port"]) is int

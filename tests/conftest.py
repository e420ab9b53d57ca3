"""Shared fixtures: a 3-phase site with two plugs, fake switches and a movable house load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockPlatform,
    async_fire_time_changed,
    mock_platform,
)

from custom_components.dynamic_ocpp_evse.const import DOMAIN

SITE_DATA: dict[str, Any] = {
    "name": "Home",
    "grid_phase_a": "sensor.grid_current_l1",
    "grid_phase_b": "sensor.grid_current_l2",
    "grid_phase_c": "sensor.grid_current_l3",
    "invert_grid_sign": False,
    "meter_interval": 10,
    "breaker_rating": 25,
    "voltage": 230,
    "battery_target_soc": 90,
    "battery_support_soc": 100,
}
METERS = {
    "A": "sensor.grid_current_l1",
    "B": "sensor.grid_current_l2",
    "C": "sensor.grid_current_l3",
}
BOILER = {
    "switch_entity": "switch.boiler",
    "power": 2300,
    "phases": ["A"],
    "mode": "follow_site",
    "priority": 1,
}
HEATER = {
    "switch_entity": "switch.heater",
    "power": 2300,
    "phases": ["B"],
    "mode": "solar",
    "priority": 2,
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load our integration from custom_components in every test."""


@dataclass
class FakeSite:
    """The house behind the meters: house load per phase plus whatever the plugs draw."""

    hass: HomeAssistant
    house: dict[str, float] = field(
        default_factory=lambda: {"A": 2.0, "B": 2.0, "C": 2.0}
    )
    plugs: dict[str, tuple[str, float]] = field(
        default_factory=lambda: {
            "switch.boiler": ("A", 10.0),
            "switch.heater": ("B", 10.0),
        }
    )
    calls: list[tuple[str, str]] = field(default_factory=list)
    follow: bool = True  # whether the switches obey their commands
    extra: dict[str, float] = field(
        default_factory=dict
    )  # other draws per phase (a car)
    # Meters that write the same value on every report (a dead device behind a live entity),
    # and meters that write nothing at all.
    frozen: dict[str, str] = field(default_factory=dict)
    silent: set[str] = field(default_factory=set)
    # Switches whose calls raise this, and switches whose calls never return.
    failing: dict[str, Exception] = field(default_factory=dict)
    hanging: set[str] = field(default_factory=set)

    def set_house(self, **amps: float) -> None:
        """Change the house load and report the meters."""
        self.house.update(amps)
        self.report()

    def report(self) -> None:
        """Write every meter: house load plus the plugs that are on."""
        for phase, entity_id in METERS.items():
            amps = self.house[phase] + self.extra.get(phase, 0.0)
            for switch, (plug_phase, plug_amps) in self.plugs.items():
                state = self.hass.states.get(switch)
                if plug_phase == phase and state is not None and state.state == "on":
                    amps += plug_amps
            if entity_id in self.silent:
                continue
            self.hass.states.async_set(
                entity_id,
                self.frozen.get(entity_id, f"{amps:.2f}"),
                {"unit_of_measurement": "A", "device_class": "current"},
            )

    async def switch_service(self, call: ServiceCall) -> None:
        for entity_id in (
            call.data["entity_id"]
            if isinstance(call.data["entity_id"], list)
            else [call.data["entity_id"]]
        ):
            self.calls.append((call.service, entity_id))
            if entity_id in self.failing:
                raise self.failing[entity_id]
            if entity_id in self.hanging:
                await asyncio.Event().wait()
            if self.follow:  # as a real switch entity: the call's context on its state
                self.hass.states.async_set(
                    entity_id,
                    "on" if call.service == "turn_on" else "off",
                    context=call.context,
                )
        self.report()


@pytest.fixture
def fake_site(hass: HomeAssistant) -> FakeSite:
    """Meters, two switches that obey switch.turn_on/off, and the house behind them."""
    site = FakeSite(hass)
    for switch in site.plugs:
        hass.states.async_set(switch, "off")
    hass.services.async_register("switch", "turn_on", site.switch_service)
    hass.services.async_register("switch", "turn_off", site.switch_service)
    site.report()
    return site


@pytest.fixture
def grid_meters(fake_site: FakeSite) -> None:
    """Meters reporting a small house load."""


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state.state


def plug_subentry(
    title: str, data: dict[str, Any], subentry_id: str
) -> ConfigSubentryData:
    """A plug subentry as the flow creates it."""
    return ConfigSubentryData(
        data=data,
        subentry_id=subentry_id,  # type: ignore[typeddict-unknown-key]
        subentry_type="plug",
        title=title,
        unique_id=data["switch_entity"],
    )


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """A site entry with two plugs: a boiler on A (follows the site) and a heater on B (solar)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        data=SITE_DATA,
        entry_id="home_id",  # fixed, so that unique ids can be snapshot
        unique_id="sensor.grid_current_l1",
        subentries_data=(
            plug_subentry("Boiler", BOILER, "boiler_id"),
            plug_subentry("Heater", HEATER, "heater_id"),
        ),
    )


async def setup_site(
    hass: HomeAssistant, entry: MockConfigEntry, *, background: bool = False
) -> None:
    """Add a site entry and set it up; `background`: wait for its background tasks too."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=background)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, fake_site: FakeSite, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """A loaded site entry."""
    await setup_site(hass, mock_config_entry)
    return mock_config_entry


async def run_cycles(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    fake_site: FakeSite,
    seconds: float,
) -> None:
    """Let time pass in 5 s cycles, the meters reporting every cycle as real meters do."""
    for _ in range(int(seconds // 5)):
        fake_site.report()
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


async def add_test_entity(hass: HomeAssistant, domain: str, entity: Entity) -> None:
    """One entity of `domain` through Home Assistant's real platform of that domain."""

    async def setup(
        hass: HomeAssistant,
        config: Any,
        add_entities: AddEntitiesCallback,
        discovery_info: Any = None,
    ) -> None:
        add_entities([entity])

    mock_platform(hass, f"test.{domain}", MockPlatform(async_setup_platform=setup))
    assert await async_setup_component(hass, domain, {domain: {"platform": "test"}})
    await hass.async_block_till_done()


def load_device(hass: HomeAssistant, entry_id: str, load_id: str) -> dr.DeviceEntry:
    """The device of one of a site's loads (looked up the way both HA versions allow)."""
    return next(
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        if (DOMAIN, load_id) in device.identifiers
    )

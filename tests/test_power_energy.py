"""Each load's power (W) and the energy it drew under our control (kWh, kept across restarts)."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)

from .conftest import FakeSite, run_cycles, setup_site, state_of


async def test_a_plug_shows_its_power_and_counts_its_energy(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The boiler (2.3 kW rated, no monitor) runs in Standard; the heater waits for sun."""
    await setup_site(hass, mock_config_entry, background=True)
    await run_cycles(hass, freezer, fake_site, 10)
    assert state_of(hass, "sensor.boiler_power") == "2300.0"
    assert state_of(hass, "sensor.heater_power") == "0.0"
    start = float(state_of(hass, "sensor.boiler_energy"))
    await run_cycles(hass, freezer, fake_site, 360)  # 6 minutes at 2.3 kW: 0.23 kWh
    assert float(state_of(hass, "sensor.boiler_energy")) - start == pytest.approx(
        0.23, abs=1e-3
    )
    assert state_of(hass, "sensor.heater_energy") == "0.0"


async def test_the_energy_carries_on_after_a_restart(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.boiler_energy", "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    await setup_site(hass, mock_config_entry, background=True)
    await run_cycles(hass, freezer, fake_site, 360)
    # Counted from the first cycle's reading on: 355 of the 360 s.
    assert float(state_of(hass, "sensor.boiler_energy")) == pytest.approx(
        12.5 + 2.3 * 355 / 3600, abs=1e-4
    )

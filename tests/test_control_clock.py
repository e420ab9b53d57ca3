"""The control's timing in a world faster than the clock (the demo's simulated day, 72x).

The demo sets the coordinator's `speed` to 72; these tests do the same and count real 5 s
cycles: the waits on the sun shorten and the energy counted grows as fast, the watch over the
meters stays in real seconds.
"""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import FakeSite, run_cycles, setup_site, state_of


async def _cycles_until_on(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_site: FakeSite
) -> int:
    """Real 5 s cycles until the heater starts on a steady surplus (at most 30)."""
    for cycle in range(1, 31):
        await run_cycles(hass, freezer, fake_site, 5)
        if state_of(hass, "switch.heater") == "on":
            return cycle
    return 31


@pytest.mark.parametrize("case", [(1, range(12, 15)), (72, range(1, 3))])
async def test_the_enable_delay_runs_on_the_control_clock(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    case: tuple[float, range],
) -> None:
    """The 60 s enable delay: 12 cycles at the clock's speed, one or two at 72x."""
    speed, cycles = case
    fake_site.set_house(B=-22.0, C=-10.0)
    await setup_site(hass, mock_config_entry, background=True)
    mock_config_entry.runtime_data.coordinator.speed = speed
    assert state_of(hass, "switch.heater") == "off"
    assert await _cycles_until_on(hass, freezer, fake_site) in cycles


async def test_a_fast_control_clock_keeps_the_meter_live_and_stops_fast(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """At 72x, five real minutes of meters reporting every 5 s are not stale (that timeout is
    about the meter, in real seconds), and the 180 s disable delay passes in a cycle or two."""
    fake_site.set_house(B=-22.0, C=-10.0)
    await setup_site(hass, mock_config_entry, background=True)
    mock_config_entry.runtime_data.coordinator.speed = 72
    await run_cycles(hass, freezer, fake_site, 300)
    assert state_of(hass, "switch.heater") == "on"
    assert state_of(hass, "sensor.home_status") == "ok"
    fake_site.set_house(B=2.0, C=2.0)  # the surplus is gone
    await run_cycles(hass, freezer, fake_site, 15)
    assert state_of(hass, "switch.heater") == "off"
    assert state_of(hass, "sensor.home_status") == "ok"


async def test_the_energy_counted_follows_the_world(
    hass: HomeAssistant,
    fake_site: FakeSite,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 2.3 kW heater on for 50 real seconds at 72x has drawn for an hour of the world."""
    fake_site.set_house(B=-22.0, C=-10.0)
    await setup_site(hass, mock_config_entry, background=True)
    mock_config_entry.runtime_data.coordinator.speed = 72
    await run_cycles(hass, freezer, fake_site, 10)
    assert state_of(hass, "switch.heater") == "on"
    before = float(state_of(hass, "sensor.heater_energy"))
    await run_cycles(hass, freezer, fake_site, 50)
    assert float(state_of(hass, "sensor.heater_energy")) - before == pytest.approx(
        2.3, rel=0.01
    )

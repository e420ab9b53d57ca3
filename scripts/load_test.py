"""Load test: one site with 50 chargers and 50 plugs, meters updating 10 times a second.

Run by `scripts/load_test` (pytest with Home Assistant's test harness, real time, on Home
Assistant's own event loop). Prints cycle time p50/p99, memory before and after, cycles that
overlapped or were skipped (a gap longer than the update interval), and commands per second.
Nothing here asserts a timing; overlap and skipped cycles must be 0.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import os
from pathlib import Path
import random
import statistics
import time
from typing import Any

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant, ServiceCall
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dynamic_ocpp_evse.const import DOMAIN, UPDATE_INTERVAL
from tests.conftest import METERS, SITE_DATA, FakeSite
from tests.fake_ocpp import FakeOcpp

CHARGERS = PLUGS = 50
METER_HZ = 10.0


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load our integration from custom_components."""


@dataclass
class Figures:
    """What the run measured."""

    cycle_s: list[float] = field(default_factory=list)
    starts: list[float] = field(default_factory=list)
    inside: int = 0
    overlapping: int = 0
    commands: int = 0


def _rss_mib() -> float:
    statm = Path(f"/proc/{os.getpid()}/statm").read_text(encoding="ascii")
    pages = int(statm.split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _subentry(kind: str, number: int, unique_id: str, data: dict[str, Any]) -> Any:
    return ConfigSubentryData(
        data=data,
        subentry_id=f"{kind}{number}",  # type: ignore[typeddict-unknown-key]
        subentry_type=kind,
        title=f"{kind} {number}",
        unique_id=unique_id,
    )


def _entry() -> MockConfigEntry:
    evses = [
        _subentry(
            "evse",
            n,
            f"cp{n}:1",
            {
                "charge_point_id": f"cp{n}",
                "connector_id": 1,
                "min_current": 6,
                "max_current": 16,
                "charger_max_current": 32,
                "line_1": "ABC"[n % 3],
                "line_2": "ABC"[(n + 1) % 3],
                "line_3": "ABC"[(n + 2) % 3],
                "rate_unit": "A",
                "stack_level": 3,
                "profile_validity": 180,
                "failsafe_current": 6,
                "mode": "follow_site",
                "priority": 1 + n % 5,
            },
        )
        for n in range(CHARGERS)
    ]
    plugs = [
        _subentry(
            "plug",
            n,
            f"switch.plug_{n}",
            {
                "switch_entity": f"switch.plug_{n}",
                "power": 1000 + 50 * n,
                "phases": ["ABC"[n % 3]],
                "mode": "solar" if n % 2 else "follow_site",
                "priority": 1 + n % 5,
            },
        )
        for n in range(PLUGS)
    ]
    return MockConfigEntry(
        domain=DOMAIN,
        title="Big site",
        data={**SITE_DATA, "breaker_rating": 400},
        unique_id=SITE_DATA["grid_phase_a"],
        subentries_data=(*evses, *plugs),
    )


async def test_load(hass: HomeAssistant, request: pytest.FixtureRequest) -> None:
    """Run the site for the configured minutes and print the figures."""
    minutes = float(os.environ.get("LOAD_TEST_MINUTES", "10"))
    site = FakeSite(hass, house={"A": 60.0, "B": 40.0, "C": 50.0}, plugs={})
    for n in range(PLUGS):
        site.plugs[f"switch.plug_{n}"] = ("ABC"[n % 3], (1000 + 50 * n) / 230)
        hass.states.async_set(f"switch.plug_{n}", "off")
    figures = Figures()

    async def switch(call: ServiceCall) -> None:
        figures.commands += 1
        await site.switch_service(call)

    hass.services.async_register("switch", "turn_on", switch)
    hass.services.async_register("switch", "turn_off", switch)
    ocpp = FakeOcpp(hass, site)
    ocpp.register()
    for n in range(CHARGERS):
        ocpp.add_charger(f"cp{n}")
        ocpp.set_status(f"cp{n}", 1, "Charging" if n % 4 else "Preparing")
    profiles = ocpp.set_charge_rate

    async def set_charge_rate(call: ServiceCall) -> None:
        figures.commands += 1
        await profiles(call)

    hass.services.async_register("ocpp", "set_charge_rate", set_charge_rate)
    site.report()

    rss_before = _rss_mib()
    entry = _entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    rss_loaded = _rss_mib()
    coordinator = entry.runtime_data.coordinator
    cycle = coordinator._async_cycle  # noqa: SLF001 - measured from outside

    async def measured() -> Any:
        figures.starts.append(time.monotonic())
        figures.inside += 1
        figures.overlapping += figures.inside > 1
        started = time.perf_counter()
        try:
            return await cycle()
        finally:
            figures.cycle_s.append(time.perf_counter() - started)
            figures.inside -= 1

    coordinator._async_cycle = measured  # noqa: SLF001
    commands_before = figures.commands
    rng = random.Random(7)
    end = time.monotonic() + minutes * 60
    while time.monotonic() < end:
        for phase in METERS:  # the house wanders, the meters report 10 times a second
            site.house[phase] = max(0.0, site.house[phase] + rng.gauss(0, 0.8))
        ocpp.report()
        await asyncio.sleep(1 / METER_HZ)
    await hass.async_block_till_done()
    rss_after = _rss_mib()

    gaps = [b - a for a, b in zip(figures.starts, figures.starts[1:], strict=False)]
    interval = UPDATE_INTERVAL.total_seconds()
    skipped = sum(gap > interval + 1.0 for gap in gaps)
    cycles = sorted(figures.cycle_s)
    p99 = cycles[min(len(cycles) - 1, int(0.99 * len(cycles)))]
    seconds = minutes * 60
    print(
        f"\nLoad test: {CHARGERS} chargers, {PLUGS} plugs, meters at {METER_HZ:g} Hz, "
        f"{minutes:g} min\n"
        f"  cycles                 {len(cycles)} ({len(cycles) / seconds:.2f}/s)\n"
        f"  cycle time p50 / p99   {statistics.median(cycles) * 1000:.1f} ms / "
        f"{p99 * 1000:.1f} ms (max {cycles[-1] * 1000:.1f} ms)\n"
        f"  overlapping cycles     {figures.overlapping}\n"
        f"  skipped cycles         {skipped} (gaps over {interval + 1:g} s)\n"
        f"  commands               {(figures.commands - commands_before) / seconds:.2f}/s\n"
        f"  memory (RSS)           {rss_before:.0f} MiB before the site, "
        f"{rss_loaded:.0f} MiB with it loaded, {rss_after:.0f} MiB after the run"
    )
    assert figures.overlapping == 0
    assert skipped == 0

"""Loads a release of the real HA OCPP integration beside ours."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import importlib
import os
from pathlib import Path
import sys

from _pytest.terminal import TerminalReporter
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from tests.fake_ocpp import RELEASES

from .bench import TIMINGS, Bench


def releases_root() -> Path:
    """Where the OCPP integration's releases are (vendored beside the project, or fetched)."""
    if root := os.environ.get("DOE_OCPP_RELEASES"):
        return Path(root)
    return Path(__file__).resolve().parents[3] / "shared" / "vendor" / "lbbrhzn-ocpp"


@pytest.fixture(scope="module", params=RELEASES)
def ocpp_release(request: pytest.FixtureRequest) -> Iterator[str]:
    """Put one release's custom_components/ocpp on the custom-components path."""
    release: str = request.param
    root = releases_root() / release
    if not (root / "custom_components" / "ocpp" / "manifest.json").is_file():
        raise FileNotFoundError(
            f"the OCPP integration {release} is not at {root}: run scripts/test, which fetches it"
        )
    for name in [m for m in sys.modules if m.startswith("custom_components.ocpp")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    yield release
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("custom_components.ocpp")]:
        del sys.modules[name]


@pytest.fixture
async def bench(
    hass: HomeAssistant,
    ocpp_release: str,
    socket_enabled: None,
    freezer: FrozenDateTimeFactory,
) -> AsyncIterator[Bench]:
    """Home Assistant with the OCPP integration's central system listening on 127.0.0.1."""
    freezer.move_to("2026-06-01 12:00:00+00:00")
    # Time is frozen and moved by the bench: every move looks like a slow callback.
    hass.loop.slow_callback_duration = 3600
    bench = Bench(hass, freezer, ocpp_release)
    await bench.start_ocpp()
    yield bench
    await bench.stop()


@pytest.fixture
async def central(
    hass: HomeAssistant, socket_enabled: None, freezer: FrozenDateTimeFactory
) -> AsyncIterator[Bench]:
    """Home Assistant without the OCPP integration; chargers connect to our own server."""
    freezer.move_to("2026-06-01 12:00:00+00:00")
    hass.loop.slow_callback_duration = 3600
    bench = Bench(hass, freezer, release="", transport="central")
    yield bench
    await bench.stop()


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Print the times the end-to-end tests measured (simulated seconds)."""
    if not TIMINGS:
        return
    terminalreporter.section("end-to-end timings (simulated seconds)")
    for what, seconds in sorted(TIMINGS.items()):
        terminalreporter.line(f"{what}: {', '.join(f'{s:g}' for s in seconds)}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A hung websocket exchange fails its test instead of the whole run."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(120))

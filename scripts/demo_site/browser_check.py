"""Drive the running demo in a headless browser: check what a user sees, take the screenshots.

    browser_check.py URL OUTDIR

Logs in as the demo user, waits (on the simulated clock) until the car charges from the sun,
then checks that every status of the integration reads as translated text and takes the
README's screenshots into OUTDIR. Exits non-zero, saying why, when a check fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import shutil
import sys
import time
from typing import Any

from playwright.sync_api import Page, sync_playwright

USER, PASSWORD = "demo", "demo-password"
DASHBOARD = "/lovelace/load-management"
VIEWS = (("load-management", "dashboard.png"), ("history", "history.png"))
MIDDAY_TIMEOUT_S = 900  # a whole simulated day lasts 20 minutes
HISTORY_S = 90  # 1.8 simulated hours
DOMAIN = "dynamic_ocpp_evse"
# Shown when the wait fails.
WATCHED = ("sensor.simulated_time", "sensor.car_status", "sensor.car_allocated_current")


def _states(page: Page) -> dict[str, Any]:
    """Every entity's state as the frontend holds it."""
    states: dict[str, Any] = page.evaluate(
        "() => document.querySelector('home-assistant').hass.states"
    )
    return states


def _wait(page: Page, what: str, ready: Callable[[dict[str, Any]], bool]) -> float:
    start = time.monotonic()
    while time.monotonic() - start < MIDDAY_TIMEOUT_S:
        if ready(_states(page)):
            return time.monotonic() - start
        page.wait_for_timeout(2000)
    states = _states(page)
    seen = {k: states.get(k, {}).get("state") for k in WATCHED}
    sys.exit(
        f"browser check: {what} did not happen within {MIDDAY_TIMEOUT_S} s: {seen}"
    )


def _log_in(page: Page, url: str) -> None:
    page.goto(url + DASHBOARD)
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.states"
        " && Object.keys(document.querySelector('home-assistant').hass.states).length > 0"
    )


def _charging_from_the_sun(states: dict[str, Any]) -> bool:
    car = states.get("sensor.car_status")
    current = states.get("sensor.car_allocated_current")
    if car is None or current is None:
        return False
    try:
        amps = float(current["state"])
    except ValueError:
        return False
    return amps > 0 and car["attributes"].get("source") == "sun"


def _untranslated(page: Page) -> list[str]:
    """The statuses (and their *Paid by*, *Override*) the frontend can write only as keys."""
    found: list[str] = page.evaluate(
        """(domain) => {
          const hass = document.querySelector('home-assistant').hass;
          const raw = [];
          for (const [id, entry] of Object.entries(hass.entities)) {
            if (entry.platform !== domain || !id.endsWith('_status')) continue;
            const state = hass.states[id];
            if (!state || ['unavailable', 'unknown'].includes(state.state)) continue;
            const text = hass.formatEntityState(state);
            if (text === state.state) raw.push(`${id}: ${text}`);
            for (const name of ['source', 'override']) {
              const value = state.attributes[name];
              if (value == null) continue;
              const shown = hass.formatEntityAttributeValue(state, name);
              if (shown === value) raw.push(`${id}.${name}: ${shown}`);
            }
          }
          return raw;
        }""",
        DOMAIN,
    )
    return found


def main(url: str, outdir: Path) -> None:
    """Log in, wait for the sun to charge the car, check the texts, take the screenshots."""
    outdir.mkdir(parents=True, exist_ok=True)
    browser_path = shutil.which("chromium")
    if browser_path is None:
        sys.exit("browser check: no chromium on this machine")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _log_in(page, url)
        waited = _wait(page, "the car charging from the sun", _charging_from_the_sun)
        states = _states(page)
        clock = states.get("sensor.simulated_time", {}).get("state", "?")
        print(
            f"browser check: the car charges from the sun at {clock} ({waited:.0f} s)"
        )
        raw = _untranslated(page)
        if raw:
            sys.exit("browser check: shown untranslated: " + "; ".join(raw))
        page.wait_for_timeout(HISTORY_S * 1000)  # some of the day to show in the graphs
        for view, picture in VIEWS:
            page.goto(f"{url}/lovelace/{view}")
            page.wait_for_timeout(10_000)  # the history graphs draw
            warnings = page.locator("hui-warning").all_inner_texts()
            if warnings:
                sys.exit(f"browser check: the {view} view shows " + "; ".join(warnings))
            page.screenshot(path=outdir / picture, full_page=True)
        browser.close()
    print(f"browser check: every status translated; screenshots in {outdir}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))

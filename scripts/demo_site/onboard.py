"""Finish the demo's onboarding and configure the integration, through HA's public REST API.

Run by scripts/demo once Home Assistant answers. Creates the owner (demo / demo-password),
the site with the demo house's meters and solar, two plugs and the hot-water tank; then sets the
modes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

USER, PASSWORD = "demo", "demo-password"
OCPP_PORT = int(os.environ.get("DEMO_OCPP_PORT", "9010"))


def call(
    base: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    form: bool = False,
    method: str | None = None,
) -> Any:
    """POST (or GET without a body) and return the decoded JSON answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        base + path, data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (127.0.0.1 only)
        return json.loads(response.read() or b"null")


def wait_for(base: str, seconds: float = 120) -> None:
    """Wait until Home Assistant's HTTP server answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            call(base, "/api/onboarding")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(1)
        else:
            return
    sys.exit("Home Assistant did not start in time; see the log.")


def _state(base: str, token: str, entity_id: str) -> str | None:
    """An entity's state, None while it does not exist."""
    try:
        state: str = call(base, f"/api/states/{entity_id}", token=token)["state"]
    except urllib.error.HTTPError:
        return None
    return state


def flow(
    base: str, token: str, start: str, handler: Any, *steps: dict[str, Any]
) -> dict[str, Any]:
    """Run a config (or subentry) flow, one answer per step, and return its result."""
    result: dict[str, Any] = call(base, start, {"handler": handler}, token=token)
    for answers in steps:
        result = call(base, f"{start}/{result['flow_id']}", answers, token=token)
    if result.get("type") != "create_entry":
        sys.exit(f"Configuring {handler} failed: {result}")
    return result


def main(base: str) -> None:
    """Onboard, then configure the site and its plugs."""
    wait_for(base)
    client_id = base + "/"
    code = call(
        base,
        "/api/onboarding/users",
        {
            "client_id": client_id,
            "name": "Demo",
            "username": USER,
            "password": PASSWORD,
            "language": "en",
        },
    )["auth_code"]
    token = call(
        base,
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": client_id},
        form=True,
    )["access_token"]
    # The other onboarding steps are marked done before Home Assistant starts (scripts/demo):
    # the core configuration step would add integrations that need the internet or packages
    # the demo does not install (weather, radio, text-to-speech), each an error at start.
    site = flow(
        base,
        token,
        "/api/config/config_entries/flow",
        "dynamic_ocpp_evse",
        {
            "name": "Demo house",
            "grid_phase_a": "sensor.grid_current_l1",
            "grid_phase_b": "sensor.grid_current_l2",
            "grid_phase_c": "sensor.grid_current_l3",
            "invert_grid_sign": False,
            "breaker_rating": 25,
            "voltage": 230,
            "with_solar": True,
            "with_ocpp_server": True,
        },
        {"solar_power": "sensor.solar_power"},
        {"ocpp_server_port": OCPP_PORT, "ocpp_server_host": "127.0.0.1"},
    )
    entry_id = site["result"]["entry_id"]
    plugs = [
        ("Boiler", "switch.boiler", 2300, ["A"], "solar", 2),
        ("Pool pump", "switch.pool_pump", 1150, ["B"], "excess", 3),
    ]
    for name, switch, power, phases, mode, priority in plugs:
        flow(
            base,
            token,
            "/api/config/config_entries/subentries/flow",
            [entry_id, "plug"],
            {
                "name": name,
                "switch_entity": switch,
                "power": power,
                "phases": phases,
                "mode": mode,
                "priority": priority,
            },
        )
    flow(
        base,
        token,
        "/api/config/config_entries/subentries/flow",
        [entry_id, "thermal"],
        {
            "name": "Hot water",
            "heater_entity": "water_heater.hot_water",
            "normal_temperature": 45,
            "boost_temperature": 65,
            "max_temperature": 70,
            "hysteresis": 3,
            "power": 2000,
            "phases": ["C"],
            "mode": "solar",
            # First in line for the surplus: a boost is never carried by the grid (it stops at
            # once when the surplus goes), so behind the car and the boiler, whose minimums are
            # held through their delays, it would only run on the sunniest hour.
            "priority": 1,
        },
    )
    # The reference charger connects to the site's own OCPP server once it is added.
    menu = call(
        base,
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "evse"]},
        token=token,
    )
    path = f"/api/config/config_entries/subentries/flow/{menu['flow_id']}"
    call(base, path, {"next_step_id": "central"}, token=token)
    result = call(
        base,
        path,
        {
            "name": "Car",
            "charge_point_id": "DEMO-CP",
            "connector_id": 1,
            "password": "demo-charger-key",
            "min_current": 6,
            "max_current": 16,
            "current_step": 1,
            "charger_max_current": 16,
            "line_1": "A",
            "line_2": "B",
            "line_3": "C",
            "rate_unit": "A",
            "stack_level": 1,
            "profile_validity": 180,
            "failsafe_current": 6,
            "pause_mode": "zero",
            "car_phases": "1",
        },
        token=token,
    )
    if result.get("type") != "create_entry":
        sys.exit(f"Adding the charger failed: {result}")
    # The site reloads with its new load: its entities come a moment later, and a choice made
    # while it reloads may land on the site being replaced; so it is checked.
    deadline = time.monotonic() + 60
    while _state(base, token, "select.car_operating_mode") != "solar":
        if time.monotonic() > deadline:
            sys.exit("The charger's mode could not be set; see the log.")
        if _state(base, token, "select.car_operating_mode") is not None:
            call(
                base,
                "/api/services/select/select_option",
                {"entity_id": "select.car_operating_mode", "option": "solar"},
                token=token,
            )
        time.sleep(2)
    call(
        base,
        "/api/services/number/set_value",
        {"entity_id": "number.demo_house_excess_threshold", "value": 1000},
        token=token,
    )
    # The car after the hot water (and beside the boiler): the tank's boost first.
    call(
        base,
        "/api/services/number/set_value",
        {"entity_id": "number.car_priority", "value": 2},
        token=token,
    )


if __name__ == "__main__":
    main(sys.argv[1])

"""A charger through the real OCPP integration: added as a user does it, then a session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.helpers import selector
import pytest

from simulator.charge_point import Car, ReferenceCharger, StationSpec
from simulator.charge_point.smart_charging import format_time

from .bench import Bench


def _options(form: Any, field: str) -> list[Any]:
    """The options of a select field of a flow form."""
    for key, value in form["data_schema"].schema.items():
        if str(key) == field:
            assert isinstance(value, selector.SelectSelector)
            return list(value.config["options"])
    raise AssertionError(f"no field {field}")


@pytest.fixture
async def garage(bench: Bench) -> ReferenceCharger:
    """A 3-phase charger named "garage" in the OCPP integration, managed by our site."""
    charger = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    await bench.add_site()
    await bench.add_connector("garage", name="Car")
    return charger


async def test_added_as_a_user_does_it(bench: Bench) -> None:
    """One entry per charger; unit and stack level read from it; both profiles on the wire."""
    charger = await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    site = await bench.add_site()
    form = await bench.hass.config_entries.subentries.async_init(
        (site.entry_id, "evse"), context={"source": "user"}
    )
    # Not the central system, not the websocket id: the charge point id, once.
    assert _options(form, "charge_point_id") == [{"value": "garage", "label": "garage"}]
    bench.hass.config_entries.subentries.async_abort(form["flow_id"])
    subentry = await bench.add_connector("garage", name="Car")
    assert subentry.unique_id == "garage:1"
    assert (subentry.data["rate_unit"], subentry.data["stack_level"]) == ("A", 8)

    failsafe, working = bench.profiles(charger)
    assert failsafe.payload == {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1801,
            "stackLevel": 7,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
            },
        },
    }
    assert working.payload == {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 1901,
            "stackLevel": 8,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "validTo": format_time(working.at + timedelta(seconds=180)),
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "startSchedule": format_time(working.at - timedelta(days=1)),
                "duration": 86400 + 180,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 0.0}],
            },
        },
    }
    # No car: the working profile's 0 A holds, by the charger's own evaluation.
    assert charger.allowed_a(1) == 0.0
    assert bench.state("sensor.car_status") == "no_car"


async def test_plug_in_charge_and_unplug(
    bench: Bench, garage: ReferenceCharger
) -> None:
    """Plug-in: a session and a first limit at once, then a ramp to the maximum."""
    await bench.run(10)
    garage.plug_in(1, Car(phases=3, max_a=32))
    took = await bench.until(lambda: bench.working(garage)[-1] > 0, limit=30)
    bench.record("plug-in → first limit", took)
    assert took <= 5
    assert bench.working(garage)[-1] == 6.0  # a start goes straight to the minimum
    await bench.until(lambda: garage.draw(1) == (16.0, 16.0, 16.0), limit=120)
    assert bench.state("sensor.car_allocated_current") == "16.0"
    assert bench.state("sensor.car_status") == "at_maximum"
    # The car's own 16 A is not house load (once the charger has reported it).
    await bench.until(
        lambda: (
            float(bench.state("sensor.home_grid_without_loads_phase_a") or "nan") == 2.0
        ),
        limit=15,
    )

    garage.unplug(1)
    took = await bench.until(lambda: bench.working(garage)[-1] == 0.0, limit=30)
    bench.record("unplug → 0 A", took)
    assert bench.state("sensor.car_status") == "no_car"
    actions = [m.action for m in garage.sent]
    assert "StopTransaction" in actions


async def test_house_load_step_lowers_the_limit_at_once(
    bench: Bench, garage: ReferenceCharger
) -> None:
    """An oven on phase A: the limit drops in the cycle that sees it."""
    garage.plug_in(1, Car(phases=3, max_a=32))
    await bench.until(lambda: garage.draw(1) == (16.0, 16.0, 16.0), limit=180)
    await bench.run(30)
    sent = len(bench.working(garage))
    bench.house["A"] = 14.0  # +12 A: 25 A breaker leaves 11 A for the car
    took = await bench.until(lambda: len(bench.working(garage)) > sent, limit=30)
    bench.record("house-load step → lower limit", took)
    assert took <= 2
    assert bench.working(garage)[-1] <= 11.0
    # Then it holds: the car's reduced draw is not taken for less house load while its
    # last report still shows the old current (the charger reports every 10 s here).
    over, writes = 0.0, len(bench.working(garage))
    for _ in range(60):
        await bench.tick()
        over += bench.over_breaker()
    writes = len(bench.working(garage)) - writes
    bench.record("house-load step: A·s over the breaker in the next 60 s", round(over))
    bench.record("house-load step: profiles written in the next 60 s", writes)
    assert over <= 5 * 6  # 5 A over until the car follows (5 s), and no more
    assert writes <= 1
    assert garage.draw(1)[0] <= 11.0

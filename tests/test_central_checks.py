"""What the built-in server's transport concludes from what a charger says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.util import dt as dt_util

from custom_components.dynamic_ocpp_evse.central.conversation import _read_meter
from custom_components.dynamic_ocpp_evse.central.link import ConnectorState
from custom_components.dynamic_ocpp_evse.central.server import CentralSystem
from custom_components.dynamic_ocpp_evse.central.times import format_time
from custom_components.dynamic_ocpp_evse.engine.model import Phase
from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.config import EvseConfig
from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.profiles import Shape
from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.via_central import (
    CentralTransport,
    _mismatch,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _schedule(*periods: tuple[int, float], unit: str = "A", start: Any = None) -> Any:
    return {
        "schedule_start": start or "2026-06-01T12:00:00Z",
        "charging_schedule": {
            "charging_rate_unit": unit,
            "charging_schedule_period": [
                {"start_period": at, "limit": limit} for at, limit in periods
            ],
        },
    }


def _check(schedule: Any) -> str:
    return _mismatch(
        schedule, working=16.0, failsafe=6.0, lapsed_at=210, now=NOW, unit="A"
    )


def test_the_schedule_is_judged_by_what_could_overload() -> None:
    assert _check(_schedule((0, 16.0), (180, 6.0))) == ""
    # Less than we asked (the charger's own maximum, an installer's profile): its business.
    assert _check(_schedule((0, 10.0), (180, 6.0))) == ""
    # Our limit kept past its validity: what a stop of Home Assistant would leave.
    assert "would apply 16 A once our limit lapses" in _check(_schedule((0, 16.0)))
    # More than we asked.
    assert "applies 32 A now" in _check(_schedule((0, 32.0), (180, 6.0)))
    # Nothing to judge: no periods, or another unit than asked.
    assert _check(_schedule()) == ""
    assert _check(_schedule((0, 11040.0), unit="W")) == ""
    # A time without a zone is UTC.
    late = _check(_schedule((0, 16.0), start="2026-06-01T11:50:00"))
    assert "its clock is -600 s off" in late


def test_a_charging_cars_current_not_reported_lately_is_not_known(
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(NOW)
    central = CentralSystem(
        host="127.0.0.1", port=0, clock=dt_util.utcnow, changed=print, refused=print
    )
    config = EvseConfig(
        id="car",
        name="Car",
        charge_point_id="CP1",
        connector=1,
        min_a=6,
        max_a=16,
        charger_max_a=32,
        wired=(Phase.A, Phase.B, Phase.C),
        rate_unit="A",
        stack_level=1,
        profile_validity_s=180,
        failsafe_a=6,
    )
    central.allow("CP1", "")
    transport = CentralTransport(central, config)
    connector = transport.connector
    connector.status = "Charging"
    connector.line_a = (16.0, 16.0, 16.0)
    connector.metered_at = NOW
    assert transport.line_currents(3) == (16.0, 16.0, 16.0)
    freezer.tick(timedelta(seconds=31))  # three meter intervals without a report
    assert transport.line_currents(3) == (None, None, None)
    connector.status = "SuspendedEV"  # a car that does not charge draws nothing
    connector.line_a = (0.0, 0.0, 0.0)
    assert transport.line_currents(3) == (0.0, 0.0, 0.0)


def test_a_rejected_shape_is_tried_one_change_then_two_then_all() -> None:
    """Stack level 1, the other unit, Relative: singly first, so the least change wins."""
    tried = Shape(stack_level=3, rate_unit="A").fallbacks()
    assert [(s.stack_level, s.rate_unit, s.working_kind) for s in tried] == [
        (1, "A", "Absolute"),
        (3, "W", "Absolute"),
        (3, "A", "Relative"),
        (1, "W", "Absolute"),
        (1, "A", "Relative"),
        (3, "W", "Relative"),
        (1, "W", "Relative"),
    ]
    # Already at level 1: nothing to try there.
    assert len(Shape(stack_level=1, rate_unit="W").fallbacks()) == 3
    assert tried[-1].differs_from(Shape(3, "A")) == (
        "stack level 1, limits in W, a Relative working profile"
    )


def test_a_charger_back_with_its_clock_behind_is_read_again() -> None:
    """Readings older than the last one are late ones, except from a new connection: a
    rebooted charger's clock may start behind. Its transaction is kept for a stop."""
    connector = ConnectorState(transaction_id=7)

    def reading(at: datetime, amps: float) -> None:
        _read_meter(
            connector,
            {
                "timestamp": format_time(at),
                "sampled_value": [
                    {"measurand": "Current.Import", "phase": "L1", "value": str(amps)}
                ],
            },
            NOW,
        )

    reading(NOW, 16.0)
    reading(NOW - timedelta(minutes=5), 10.0)  # sent late: not taken
    assert connector.line_a[0] == 16.0
    connector.forget()  # the charger went away
    assert connector.line_a == (None, None, None)
    assert connector.status is None
    assert connector.transaction_id == 7
    reading(NOW - timedelta(minutes=5), 10.0)  # back, its clock 5 minutes behind
    assert connector.line_a[0] == 10.0

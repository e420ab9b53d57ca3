"""What a charger we cannot reach may let a car draw by itself, as its actuator keeps track.

The actuator is driven through a transport that answers as told: taken, rejected, or lost (a
call that fails after the charger may have taken it).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest

from custom_components.dynamic_ocpp_evse.engine.model import Reason
from custom_components.dynamic_ocpp_evse.engine.state import Command
from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.config import EvseConfig
from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.profiles import (
    ProfileActuator,
    ProfileRejected,
)

CONNECTOR = {
    "charge_point_id": "cp1",
    "connector_id": 1,
    "min_current": 6,
    "max_current": 16,
    "charger_max_current": 32,
    "line_1": "A",
    "line_2": "B",
    "line_3": "C",
    "rate_unit": "A",
    "stack_level": 2,
    "profile_validity": 180,
    "failsafe_current": 6,
}
LAPSE_S = 180 + 30  # the validity and the slack a charger's clock may lag


class Answering:
    """A transport whose charger takes every profile, unless told to reject or lose one."""

    watched: list[str] = []

    def __init__(self) -> None:
        self.taken: list[dict[str, Any]] = []
        self.lose = False  # the call fails after the charger took the profile
        self.rejects: set[tuple[int, str]] = (
            set()
        )  # (stack level, unit) it does not take
        self.back = False
        self.cleared = 0
        self.connector_status: str | None = "Charging"

    def check(self) -> None:
        """Always reachable."""

    def came_back(self) -> bool:
        back, self.back = self.back, False
        return back

    def status(self) -> str | None:
        return self.connector_status

    def offered_a(self) -> float | None:
        return None

    def line_currents(self, lines: int) -> tuple[float | None, ...]:
        return (None,) * lines

    async def set_profile(self, profile: dict[str, Any]) -> None:
        shape = (
            profile["stackLevel"],
            profile["chargingSchedule"]["chargingRateUnit"],
        )
        if shape in self.rejects:
            raise ProfileRejected("Rejected")
        self.taken.append(profile)
        if self.lose:
            raise HomeAssistantError("timed out")

    async def start_or_stop(self, *, charging: bool) -> None:
        """Not used: pause by 0 A."""

    async def clear(self) -> None:
        self.cleared += 1

    async def release(self) -> None:
        """Nothing to let go."""

    async def verify(self, working: float, failsafe: float, unit: str) -> None:
        """Nothing to check."""


def _actuator(**data: Any) -> tuple[ProfileActuator, Answering]:
    transport = Answering()
    config = EvseConfig.from_data("car", "Car", {**CONNECTOR, **data})
    return ProfileActuator(config, 230.0, transport), transport


def _command(amps: float, lines: int = 3) -> Command:
    return Command(
        current_a=amps, send=True, reason=Reason.BREAKER, lines=lines, lines_seen=True
    )


def _after(seconds: float) -> datetime:
    return dt_util.utcnow() + timedelta(seconds=seconds)


async def test_before_the_failsafe_is_taken_the_charger_may_allow_its_maximum(
    freezer: FrozenDateTimeFactory,
) -> None:
    """Whatever the last run sent (in watts perhaps all on one line), up to its own 32 A."""
    actuator, _ = _actuator(rate_unit="W")
    assert actuator.holds_a(_after(0)) == 32.0
    assert actuator.holds_a(_after(86400)) == 32.0


async def test_what_the_last_run_sent_holds_a_validity_after_the_failsafe_is_taken(
    freezer: FrozenDateTimeFactory,
) -> None:
    """Back on our server, its status not known yet: the failsafe goes, no working profile;
    the last run's (its maximum at most) may still apply until it lapses."""
    actuator, transport = _actuator()
    transport.connector_status = None
    await actuator.async_apply(_command(10.0))
    assert [p["chargingProfileId"] for p in transport.taken] == [1801]
    assert actuator.holds_a(_after(LAPSE_S - 1)) == 32.0
    assert actuator.holds_a(_after(LAPSE_S)) == 6.0


async def test_the_failsafe_floor_holds_once_the_failsafe_is_taken(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, transport = _actuator()
    transport.lose = True
    with pytest.raises(HomeAssistantError):
        await actuator.async_apply(_command(10.0))  # the failsafe's answer lost
    assert actuator.holds_a(_after(LAPSE_S)) == 32.0
    transport.lose = False
    await actuator.async_apply(_command(10.0))
    assert actuator.holds_a(_after(LAPSE_S)) == 6.0


async def test_a_taken_limit_holds_until_it_lapses_by_a_clock_behind_ours(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, _ = _actuator()
    await actuator.async_apply(_command(10.0))
    freezer.tick(timedelta(seconds=60))
    assert actuator.holds_a(_after(0)) == 10.0
    await actuator.async_apply(_command(8.0))  # taken: lower from now on
    assert actuator.holds_a(_after(0)) == 8.0
    assert actuator.holds_a(_after(LAPSE_S - 1)) == 8.0
    assert actuator.holds_a(_after(LAPSE_S)) == 6.0


async def test_a_paused_car_keeps_the_failsafe_free(
    freezer: FrozenDateTimeFactory,
) -> None:
    """0 A holds, but a charger clock ahead of ours may end it early: the failsafe."""
    actuator, _ = _actuator()
    await actuator.async_apply(_command(0.0))
    assert actuator.holds_a(_after(0)) == 6.0


async def test_a_lower_limit_whose_answer_is_lost_keeps_the_higher_one(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, transport = _actuator()
    await actuator.async_apply(_command(16.0))
    transport.lose = True
    with pytest.raises(HomeAssistantError):
        await actuator.async_apply(_command(7.0))
    assert actuator.holds_a(_after(0)) == 16.0  # it may not have taken the 7 A


async def test_a_higher_limit_whose_answer_is_lost_is_held(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, transport = _actuator()
    await actuator.async_apply(_command(7.0))
    transport.lose = True
    with pytest.raises(HomeAssistantError):
        await actuator.async_apply(_command(16.0))
    assert actuator.holds_a(_after(0)) == 16.0  # it may have taken the 16 A


async def test_watts_may_all_go_to_one_line(freezer: FrozenDateTimeFactory) -> None:
    """10 A on three lines in W is 6 900 W: a one-line car may take 30 A of it."""
    actuator, transport = _actuator(rate_unit="W")
    await actuator.async_apply(_command(10.0))
    assert transport.taken[-1]["chargingSchedule"]["chargingSchedulePeriod"][0][
        "limit"
    ] == pytest.approx(6900.0)
    assert actuator.holds_a(_after(0)) == pytest.approx(30.0)
    await actuator.async_apply(_command(16.0))  # 33 120 W: the charger's 32 A at most
    assert actuator.holds_a(_after(0)) == 32.0
    assert (
        actuator.holds_a(_after(LAPSE_S)) == 6.0
    )  # the failsafe is watts for one line


async def test_cleared_profiles_leave_the_charger_at_its_own_maximum(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, transport = _actuator()
    await actuator.async_apply(_command(10.0))
    await actuator.async_reset()
    assert transport.cleared == 1
    assert actuator.holds_a(_after(LAPSE_S)) == 32.0
    await actuator.async_apply(_command(10.0))  # both profiles back
    assert actuator.holds_a(_after(LAPSE_S)) == 6.0


async def test_the_failsafe_after_a_new_shape_follows_it_or_fails(
    freezer: FrozenDateTimeFactory,
) -> None:
    """The failsafe sent again in the working profile's new shape searches no shape of its
    own (that could undo the working profile's)."""
    actuator, transport = _actuator()
    await actuator.async_apply(_command(10.0))
    transport.rejects = {(2, "A"), (0, "A")}  # after a firmware update: level 1 only
    transport.back = True
    with pytest.raises(ProfileRejected):
        await actuator.async_apply(_command(10.0))  # the failsafe at level 1 first
    assert actuator.shape.stack_level == 1
    assert actuator.adapted == "stack level 1"
    # The working profile at level 1 replaced the failsafe there, and none is below it.
    assert actuator.holds_a(_after(LAPSE_S)) == 32.0


async def test_a_limit_lost_in_the_shape_search_is_held_in_its_worst_shape(
    freezer: FrozenDateTimeFactory,
) -> None:
    """Rejected in amps, its answer lost in watts: 6 900 W may all go to one line."""
    actuator, transport = _actuator()
    await actuator.async_apply(_command(10.0))
    transport.rejects = {(2, "A"), (1, "A")}
    transport.lose = True
    with pytest.raises(HomeAssistantError):
        await actuator.async_apply(_command(10.0))
    assert transport.taken[-1]["chargingSchedule"]["chargingRateUnit"] == "W"
    assert actuator.holds_a(_after(0)) == pytest.approx(30.0)


async def test_a_reconnected_charger_is_tried_as_configured_again(
    freezer: FrozenDateTimeFactory,
) -> None:
    actuator, transport = _actuator()
    transport.rejects = {(2, "A")}
    await actuator.async_apply(_command(10.0))
    assert actuator.adapted == "stack level 1"
    transport.rejects = set()
    transport.back = True
    await actuator.async_apply(_command(10.0))
    assert actuator.adapted == ""
    assert transport.taken[-1]["stackLevel"] == 2

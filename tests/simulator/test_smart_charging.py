"""The reference charger's OCPP 1.6 profile evaluation, case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.charge_point.smart_charging import (
    Limit,
    Profile,
    ProfileStore,
    Purpose,
    format_time,
)

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VOLTAGE = 230.0


def amps(limit: Limit) -> float:
    """A 3-line charger's conversion."""
    return limit.value if limit.unit == "A" else limit.value / (VOLTAGE * 3)


def profile(
    profile_id: int,
    *,
    level: int = 0,
    purpose: str = "TxDefaultProfile",
    kind: str = "Absolute",
    start: datetime | None = T0,
    duration: int | None = None,
    periods: tuple[tuple[int, float], ...] = ((0, 16.0),),
    unit: str = "A",
    connector: int = 1,
    **extra: Any,
) -> Profile:
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": s, "limit": limit} for s, limit in periods
        ],
    }
    if start is not None:
        schedule["startSchedule"] = format_time(start)
    if duration is not None:
        schedule["duration"] = duration
    payload = {
        "chargingProfileId": profile_id,
        "stackLevel": level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": schedule,
        **extra,
    }
    return Profile.from_wire(connector, payload, received=T0)


def limit_at(
    store: ProfileStore,
    moment: datetime,
    *,
    connector: int = 1,
    tx_id: int | None = None,
    tx_start: datetime | None = None,
) -> float | None:
    value, _ = store.limit_a(
        connector, moment, tx_id=tx_id, tx_start=tx_start, to_amps=amps
    )
    return value


def store_of(*profiles: Profile) -> ProfileStore:
    store = ProfileStore()
    for p in profiles:
        store.install(p)
    return store


def test_no_profile_sets_no_limit() -> None:
    assert limit_at(ProfileStore(), T0) is None


@pytest.mark.parametrize(
    ("offset_s", "expected"),
    [(-1, None), (0, 16.0), (599, 16.0), (600, 8.0), (899, 8.0), (900, None)],
)
def test_absolute_periods_and_duration(offset_s: int, expected: float | None) -> None:
    store = store_of(profile(1, duration=900, periods=((0, 16.0), (600, 8.0))))
    assert limit_at(store, T0 + timedelta(seconds=offset_s)) == expected


def test_the_highest_stack_level_that_sets_a_limit_wins() -> None:
    store = store_of(
        profile(1, level=1, periods=((0, 6.0),)),
        profile(2, level=5, duration=60, periods=((0, 20.0),)),
    )
    assert limit_at(store, T0 + timedelta(seconds=30)) == 20.0
    # The higher one has ended: the lower one applies again, never "no limit".
    assert limit_at(store, T0 + timedelta(seconds=60)) == 6.0


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "offset_s", "expected"),
    [
        (10, None, 9, 6.0),
        (10, None, 10, 20.0),
        (None, 30, 29, 20.0),
        (None, 30, 30, 6.0),
    ],
)
def test_valid_from_and_valid_to(
    valid_from: int | None, valid_to: int | None, offset_s: int, expected: float
) -> None:
    extra: dict[str, Any] = {}
    if valid_from is not None:
        extra["validFrom"] = format_time(T0 + timedelta(seconds=valid_from))
    if valid_to is not None:
        extra["validTo"] = format_time(T0 + timedelta(seconds=valid_to))
    store = store_of(
        profile(1, level=0, periods=((0, 6.0),)),
        profile(2, level=3, periods=((0, 20.0),), **extra),
    )
    assert limit_at(store, T0 + timedelta(seconds=offset_s)) == expected


def test_relative_counts_from_the_transaction_start() -> None:
    store = store_of(
        profile(1, kind="Relative", start=None, duration=600, periods=((0, 10.0),))
    )
    started = T0 - timedelta(seconds=590)
    assert limit_at(store, T0, tx_id=7, tx_start=started) == 10.0
    assert (
        limit_at(store, T0 + timedelta(seconds=10), tx_id=7, tx_start=started) is None
    )
    # Without a transaction it is taken to start now: the first period, whatever the time.
    assert limit_at(store, T0 + timedelta(days=3)) == 10.0


def test_recurring_daily_repeats_from_its_start() -> None:
    store = store_of(
        profile(
            1,
            kind="Recurring",
            recurrencyKind="Daily",
            start=T0,
            periods=((0, 32.0), (3600, 6.0)),
        )
    )
    assert limit_at(store, T0 + timedelta(days=5, minutes=30)) == 32.0
    assert limit_at(store, T0 + timedelta(days=5, hours=2)) == 6.0
    # Before its first start it sets nothing.
    assert limit_at(store, T0 - timedelta(minutes=1)) is None


def test_tx_profile_overrides_the_default_for_its_transaction_only() -> None:
    store = store_of(
        profile(1, level=8, periods=((0, 16.0),)),
        profile(2, level=0, purpose="TxProfile", periods=((0, 10.0),), transactionId=7),
    )
    assert limit_at(store, T0, tx_id=7, tx_start=T0) == 10.0
    assert limit_at(store, T0, tx_id=8, tx_start=T0) == 16.0
    assert limit_at(store, T0) == 16.0  # no transaction: the default


def test_charge_point_max_caps_everything() -> None:
    store = store_of(
        profile(1, level=0, periods=((0, 16.0),)),
        profile(
            2,
            level=0,
            purpose="ChargePointMaxProfile",
            connector=0,
            periods=((0, 10.0),),
        ),
    )
    value, sources = store.limit_a(1, T0, tx_id=None, tx_start=None, to_amps=amps)
    assert (value, sources) == (10.0, (1, 2))


def test_a_connector_profile_wins_a_tie_with_connector_zero() -> None:
    store = store_of(
        profile(1, level=2, connector=0, periods=((0, 32.0),)),
        profile(2, level=2, connector=1, periods=((0, 8.0),)),
    )
    assert limit_at(store, T0, connector=1) == 8.0
    assert (
        limit_at(store, T0, connector=2) == 32.0
    )  # connector 0 applies to every connector


def test_watts_are_converted_by_the_charger() -> None:
    store = store_of(profile(1, unit="W", periods=((0, 11040.0),)))
    assert limit_at(store, T0) == pytest.approx(16.0)


def test_installing_replaces_by_id_or_by_connector_purpose_and_level() -> None:
    store = store_of(profile(1, level=3, periods=((0, 16.0),)))
    store.install(profile(1, level=4, periods=((0, 12.0),)))  # same id
    assert [(p.id, p.stack_level) for p in store.profiles] == [(1, 4)]
    store.install(
        profile(2, level=4, periods=((0, 6.0),))
    )  # same connector, purpose, level
    assert [p.id for p in store.profiles] == [2]
    store.install(profile(3, level=4, connector=2))  # another connector: both stay
    assert sorted(p.id for p in store.profiles) == [2, 3]


def test_clearing() -> None:
    store = store_of(
        profile(1, level=1),
        profile(2, level=2),
        profile(3, level=1, connector=2),
        profile(4, level=0, purpose="ChargePointMaxProfile", connector=0),
    )
    assert (
        store.clear(profile_id=2, connector=9) == 1
    )  # an id ignores the other criteria
    assert store.clear(connector=2) == 1
    assert store.clear(purpose=Purpose.TX_DEFAULT, stack_level=1) == 1
    assert [p.id for p in store.profiles] == [4]
    assert store.clear() == 1  # no criterion: everything
    assert store.clear() == 0


def test_a_transaction_takes_its_tx_profiles_with_it() -> None:
    store = store_of(
        profile(1, level=1),
        profile(2, purpose="TxProfile", transactionId=7),
    )
    store.end_transaction(1)
    assert [p.id for p in store.profiles] == [1]


def test_composite_schedule_steps() -> None:
    """What a GetCompositeSchedule answers: the limit over time, where it changes."""
    store = store_of(
        profile(1, level=1, kind="Relative", start=None, periods=((0, 6.0),)),
        profile(
            2,
            level=5,
            start=T0 - timedelta(seconds=60),
            duration=240,
            periods=((0, 16.0),),
        ),
    )
    steps = store.composite(
        1, T0, 600, tx_id=None, tx_start=None, to_amps=amps, default_a=32.0
    )
    assert steps == [(0, 16.0), (180, 6.0)]  # the working profile, then the failsafe
    assert store.composite(
        1, T0, 60, tx_id=None, tx_start=None, to_amps=amps, default_a=32.0
    ) == [(0, 16.0)]
    assert ProfileStore().composite(
        1, T0, 60, tx_id=None, tx_start=None, to_amps=amps, default_a=32.0
    ) == [(0, 32.0)]


@pytest.mark.parametrize(
    "schedule",
    [
        {"chargingRateUnit": "A", "chargingSchedulePeriod": []},
        {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 5, "limit": 6}],
        },
        {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 6},
                {"startPeriod": 0, "limit": 8},
            ],
        },
    ],
)
def test_nonsense_schedules_are_refused(schedule: dict[str, Any]) -> None:
    payload = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": schedule,
    }
    with pytest.raises(ValueError, match="schedule"):
        Profile.from_wire(1, payload, received=T0)


def test_recurring_needs_a_start_and_a_kind() -> None:
    with pytest.raises(ValueError, match="recurring"):
        profile(1, kind="Recurring", start=None)

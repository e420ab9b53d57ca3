"""The reference charger over a real websocket, driven by a minimal central system of the test's.

What the OCPP integration never asks (composite schedules, profile rejections, filtered clears,
remote start and stop) is asked here directly, as our own central system will.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus
import pytest
import websockets
from websockets.asyncio.server import ServerConnection

from simulator.charge_point import Car, ReferenceCharger, StationSpec
from simulator.charge_point.smart_charging import format_time

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class _CentralSide(ChargePoint):  # type: ignore[misc]
    """What a central system needs to talk to one charger: accept what it reports."""

    @on(Action.boot_notification)
    def _boot(self, **_: Any) -> Any:
        return call_result.BootNotification(
            current_time=format_time(T0),
            interval=300,
            status=RegistrationStatus.accepted,
        )

    @on(Action.status_notification)
    def _status(self, **_: Any) -> Any:
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def _meter(self, **_: Any) -> Any:
        return call_result.MeterValues()

    @on(Action.start_transaction)
    def _start(self, **_: Any) -> Any:
        return call_result.StartTransaction(
            transaction_id=42, id_tag_info={"status": "Accepted"}
        )

    @on(Action.stop_transaction)
    def _stop(self, **_: Any) -> Any:
        return call_result.StopTransaction()

    @on(Action.heartbeat)
    def _heartbeat(self, **_: Any) -> Any:
        return call_result.Heartbeat(current_time=format_time(T0))


@dataclass
class Clock:
    """The charger's own clock, moved by the test."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Link:
    """The charger and the central system's end of its websocket."""

    charger: ReferenceCharger
    central: _CentralSide
    clock: Clock
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    async def ask(self, payload: Any) -> Any:
        return await self.central.call(payload)

    async def advance(self, seconds: int) -> None:
        for _ in range(seconds):
            self.clock.now += timedelta(seconds=1)
            await self.charger.step()


@pytest.fixture
async def link(socket_enabled: None) -> AsyncIterator[Link]:
    connected: asyncio.Future[_CentralSide] = asyncio.get_running_loop().create_future()

    async def handler(connection: ServerConnection) -> None:
        central = _CentralSide("CP-1", connection)
        connected.set_result(central)
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await central.start()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        clock = Clock()
        charger = ReferenceCharger(
            StationSpec(cp_id="CP-1", rate_units="Current"),
            f"ws://127.0.0.1:{port}",
            clock,
        )
        assert await charger.connect()
        central = await connected
        yield Link(charger, central, clock)
        charger.auto_reconnect = False
        await charger.disconnect()


def _profile(
    profile_id: int, level: int, limit: float, **schedule: Any
) -> dict[str, Any]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": level,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute"
        if "startSchedule" in schedule
        else "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            **schedule,
        },
    }


async def test_boots_and_reports(link: Link) -> None:
    assert link.charger.boots == 1
    await link.advance(1)
    assert [m.action for m in link.charger.sent][:2] == [
        "BootNotification",
        "StatusNotification",
    ]
    assert link.charger.config["HeartbeatInterval"] == "300"


async def test_profiles_accepted_and_rejected(link: Link) -> None:
    async def set_profile(connector: int, profile: dict[str, Any]) -> str:
        answer = await link.ask(
            call.SetChargingProfile(
                connector_id=connector, cs_charging_profiles=profile
            )
        )
        return str(answer.status)

    assert await set_profile(1, _profile(1801, 7, 6.0)) == "Accepted"
    assert (
        await set_profile(1, _profile(1, 9, 6.0)) == "Rejected"
    )  # above the max level
    watts = _profile(2, 3, 4140.0)
    watts["chargingSchedule"]["chargingRateUnit"] = "W"
    assert await set_profile(1, watts) == "Rejected"  # an amps-only charger
    tx = _profile(3, 3, 10.0)
    tx["chargingProfilePurpose"] = "TxProfile"
    assert await set_profile(1, tx) == "Rejected"  # no transaction
    cap = _profile(4, 3, 10.0)
    cap["chargingProfilePurpose"] = "ChargePointMaxProfile"
    assert await set_profile(1, cap) == "Rejected"  # only on connector 0
    assert await set_profile(0, cap) == "Accepted"
    assert await set_profile(5, _profile(5, 3, 10.0)) == "Rejected"  # no such connector
    assert sorted(p.id for p in link.charger.profiles.profiles) == [4, 1801]


async def test_composite_schedule_by_the_chargers_clock(link: Link) -> None:
    """Working above failsafe: what it applies now and after the validity, by its clock."""
    link.clock.now = T0 + timedelta(seconds=45)  # 45 s ahead of the sender's clock
    working = _profile(
        1901,
        8,
        16.0,
        startSchedule=format_time(T0 - timedelta(seconds=60)),
        duration=240,
    )
    for profile in (_profile(1801, 7, 6.0), working):
        await link.ask(
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile)
        )
    answer = await link.ask(
        call.GetCompositeSchedule(connector_id=1, duration=600, charging_rate_unit="A")
    )
    assert answer.status == "Accepted"
    assert answer.schedule_start == format_time(link.clock.now)
    # 180 s after T0 by the sender's clock is 135 s from now by the charger's.
    assert answer.charging_schedule["charging_schedule_period"] == [
        {"start_period": 0, "limit": 16.0},
        {"start_period": 135, "limit": 6.0},
    ]


async def test_clear_by_filter_and_all(link: Link) -> None:
    for profile in (_profile(1801, 7, 6.0), _profile(1901, 8, 16.0)):
        await link.ask(
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=profile)
        )
    answer = await link.ask(call.ClearChargingProfile(id=1901))
    assert answer.status == "Accepted"
    assert [p.id for p in link.charger.profiles.profiles] == [1801]
    answer = await link.ask(call.ClearChargingProfile(id=1901))
    assert answer.status == "Unknown"
    answer = await link.ask(call.ClearChargingProfile())
    assert answer.status == "Accepted"
    assert link.charger.profiles.profiles == []


async def test_remote_stop_and_start_with_a_car(link: Link) -> None:
    link.charger.plug_in(1, Car(phases=1, max_a=16, reaction_s=2))
    await link.advance(10)
    assert link.charger.connectors[1].tx_id == 42
    assert link.charger.status(1) == "Charging"
    assert link.charger.draw(1) == (
        16.0,
        0.0,
        0.0,
    )  # no profile: its own 32 A, the car's 16
    answer = await link.ask(call.RemoteStopTransaction(transaction_id=42))
    assert answer.status == "Accepted"
    await link.advance(5)
    assert link.charger.status(1) == "Finishing"
    assert link.charger.draw(1) == (0.0, 0.0, 0.0)
    answer = await link.ask(call.RemoteStartTransaction(id_tag="x", connector_id=1))
    assert answer.status == "Accepted"
    await link.advance(10)
    assert link.charger.status(1) == "Charging"
    sent = [m.action for m in link.charger.sent]
    assert sent.count("StartTransaction") == 2
    assert "StopTransaction" in sent


async def test_unknown_configuration_key(link: Link) -> None:
    answer = await link.ask(
        call.GetConfiguration(key=["NoSuchKey", "NumberOfConnectors"])
    )
    assert answer.unknown_key == ["NoSuchKey"]
    assert answer.configuration_key == [
        {"key": "NumberOfConnectors", "readonly": True, "value": "1"}
    ]
    answer = await link.ask(
        call.ChangeConfiguration(key="NumberOfConnectors", value="2")
    )
    assert answer.status == "Rejected"

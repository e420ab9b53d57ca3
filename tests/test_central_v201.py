"""The built-in server's OCPP 2.0.1 conversation, over raw websockets on 127.0.0.1.

What a 2.0.1 charging station says (StatusNotification, TransactionEvent with its charging
state and meter values) must reach the integration in the words it reads for 1.6, and what we
ask (profiles, the composite schedule, sessions, availability, reset) must be said in 2.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
import json
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.typing import Subprotocol

from custom_components.dynamic_ocpp_evse.central.server import CentralSystem
from custom_components.dynamic_ocpp_evse.central.v201 import Charger201

NOW = "2026-06-01T12:00:00Z"
BOOT = [
    2,
    "boot-1",
    "BootNotification",
    {
        "chargingStation": {"model": "Bench", "vendorName": "Test"},
        "reason": "PowerUp",
    },
]


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[CentralSystem]:
    """A central system on a free port of 127.0.0.1 that lets CS1 in."""
    central = CentralSystem(
        host="127.0.0.1",
        port=0,
        clock=lambda: datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        changed=lambda cp_id: None,
        refused=lambda cp_id: None,
    )
    central.allow("CS1", "")
    await central.start()
    yield central
    await central.stop()


async def _connect(server: CentralSystem, *offered: str) -> ClientConnection:
    return await websockets.connect(
        f"ws://127.0.0.1:{server.port}/CS1",
        subprotocols=[Subprotocol(p) for p in offered or ("ocpp2.0.1",)],
    )


class Station:
    """A raw 2.0.1 station: sends our frames, answers the server's requests as told."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.asked: list[list[Any]] = []  # the server's requests, in order
        self.answers: dict[str, dict[str, Any]] = {}  # action -> payload we answer

    async def send(self, message: list[Any] | str) -> list[Any]:
        """One CALL of ours; its answer (the server's requests meanwhile are answered)."""
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame[0] != 2:
                return list(frame)
            await self._answer(frame)

    async def serve(self, seconds: float = 0.3) -> None:
        """Answer the server's requests for a while."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    await self._answer(json.loads(await self.ws.recv()))
        except TimeoutError:
            pass

    async def _answer(self, frame: list[Any]) -> None:
        self.asked.append(frame)
        payload = self.answers.get(frame[2], {"status": "Accepted"})
        if frame[2] == "SetVariables":
            payload = {
                "setVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                    for item in frame[3]["setVariableData"]
                ]
            }
        await self.ws.send(json.dumps([3, frame[1], payload]))


def _link(server: CentralSystem) -> Charger201:
    link = server.link("CS1")
    assert isinstance(link, Charger201)
    return link


async def test_a_station_offering_both_versions_speaks_2_0_1(
    server: CentralSystem,
) -> None:
    async with await _connect(server, "ocpp1.6", "ocpp2.0.1") as ws:
        assert ws.subprotocol == "ocpp2.0.1"
        station = Station(ws)
        answer = await station.send(BOOT)
        assert answer[2]["status"] == "Accepted"
        assert answer[2]["currentTime"] == NOW  # its clock follows ours
        await station.serve()
        # Meter values every 10 s, in a session and out of one.
        variables = {
            (v["component"]["name"], v["variable"]["name"]): v["attributeValue"]
            for frame in station.asked
            if frame[2] == "SetVariables"
            for v in frame[3]["setVariableData"]
        }
        assert variables[("SampledDataCtrlr", "TxUpdatedInterval")] == "10"
        assert "Current.Offered" in variables[("AlignedDataCtrlr", "Measurands")]
        assert server.chargers["CS1"].vendor == "Test"
        assert server.chargers["CS1"].boots == 2  # the connection and the boot


async def test_a_session_reads_as_the_integration_knows_it(
    server: CentralSystem,
) -> None:
    async with await _connect(server) as ws:
        station = Station(ws)
        await station.send(BOOT)
        connector = server.chargers["CS1"].connector(1)
        status = [2, "s1", "StatusNotification"]
        await station.send(
            [
                *status,
                {
                    "timestamp": NOW,
                    "connectorStatus": "Occupied",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ]
        )
        assert connector.status == "Preparing"
        event = {
            "eventType": "Started",
            "timestamp": NOW,
            "triggerReason": "CablePluggedIn",
            "seqNo": 0,
            "transactionInfo": {
                "transactionId": "tx-9",
                "chargingState": "EVConnected",
            },
            "evse": {"id": 1, "connectorId": 1},
            "idToken": {"idToken": "car", "type": "Local"},
        }
        answer = await station.send([2, "t1", "TransactionEvent", event])
        assert answer[2]["idTokenInfo"]["status"] == "Accepted"
        assert connector.transaction_id == "tx-9"
        updated = {
            **event,
            "eventType": "Updated",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 1,
            "transactionInfo": {"transactionId": "tx-9", "chargingState": "Charging"},
            "meterValue": [
                {
                    "timestamp": NOW,
                    "sampledValue": [
                        {"value": 15.5, "measurand": "Current.Import", "phase": "L1"},
                        {"value": 15.4, "measurand": "Current.Import", "phase": "L2"},
                        {"value": 16, "measurand": "Current.Offered"},
                        {
                            "value": 10.7,
                            "measurand": "Power.Active.Import",
                            "unitOfMeasure": {"unit": "W", "multiplier": 3},
                        },
                    ],
                }
            ],
        }
        del updated["idToken"]
        assert (await station.send([2, "t2", "TransactionEvent", updated]))[0] == 3
        assert connector.status == "Charging"
        assert connector.line_a == (15.5, 15.4, 0.0)  # L3 drew nothing since Preparing
        assert connector.offered_a == 16
        assert connector.power_w == 10700  # kW by its multiplier
        # Occupied again while the session runs does not hide its charging state.
        await station.send(
            [
                *status,
                {
                    "timestamp": NOW,
                    "connectorStatus": "Occupied",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ]
        )
        assert connector.status == "Charging"
        suspended = {**updated, "seqNo": 2, "meterValue": None}
        suspended["transactionInfo"] = {
            "transactionId": "tx-9",
            "chargingState": "SuspendedEVSE",
        }
        del suspended["meterValue"]
        await station.send([2, "t3", "TransactionEvent", suspended])
        assert connector.status == "SuspendedEVSE"
        assert connector.line_a == (
            0.0,
            0.0,
            0.0,
        )  # a car that does not charge draws nothing
        ended = {
            **suspended,
            "eventType": "Ended",
            "seqNo": 3,
            "triggerReason": "EVCommunicationLost",
        }
        ended["transactionInfo"] = {
            "transactionId": "tx-9",
            "stoppedReason": "EVDisconnected",
        }
        # Its final reading still shows the current it drew: ended, it draws nothing.
        ended["meterValue"] = updated["meterValue"]
        await station.send([2, "t4", "TransactionEvent", ended])
        assert server.chargers["CS1"].connector(1).transaction_id is None
        assert server.chargers["CS1"].connector(1).line_a == (0.0, 0.0, 0.0)
        await station.send(
            [
                *status,
                {
                    "timestamp": NOW,
                    "connectorStatus": "Available",
                    "evseId": 1,
                    "connectorId": 1,
                },
            ]
        )
        assert connector.status == "Available"


async def test_what_we_ask_is_said_in_2_0_1(server: CentralSystem) -> None:
    async with await _connect(server) as ws:
        station = Station(ws)
        await station.send(BOOT)
        await station.serve()
        link = _link(server)
        profile = {
            "chargingProfileId": 1901,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "validTo": "2026-06-01T12:03:00Z",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "startSchedule": "2026-05-31T12:00:00Z",
                "duration": 86580,
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
            },
        }
        answers = asyncio.gather(
            link.set_profile(1, profile),
            link.clear_profile(1801),
            link.change_availability(1, operative=False),
            link.reset(hard=False),
            link.start_transaction(1),
        )
        await station.serve()
        assert list(await answers) == ["Accepted", "Accepted", "Accepted", True, True]
        by_action = {frame[2]: frame[3] for frame in station.asked}
        sent = by_action["SetChargingProfile"]
        assert sent["evseId"] == 1
        assert sent["chargingProfile"]["id"] == 1901
        assert sent["chargingProfile"]["validTo"] == "2026-06-01T12:03:00Z"
        schedule = sent["chargingProfile"]["chargingSchedule"]
        assert isinstance(schedule, list)
        assert schedule[0]["chargingSchedulePeriod"] == [
            {"startPeriod": 0, "limit": 10.0}
        ]
        assert by_action["ClearChargingProfile"] == {"chargingProfileId": 1801}
        assert by_action["ChangeAvailability"] == {
            "operationalStatus": "Inoperative",
            "evse": {"id": 1},
        }
        assert by_action["Reset"] == {"type": "OnIdle"}
        assert by_action["RequestStartTransaction"]["evseId"] == 1

        station.answers["GetCompositeSchedule"] = {
            "status": "Accepted",
            "schedule": {
                "evseId": 1,
                "duration": 240,
                "scheduleStart": NOW,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 10.0},
                    {"startPeriod": 180, "limit": 6.0},
                ],
            },
        }
        asked = asyncio.ensure_future(link.composite_schedule(1, 240, "A"))
        await station.serve()
        schedule_read = await asked
        assert schedule_read is not None
        assert schedule_read["schedule_start"] == NOW
        assert schedule_read["charging_schedule"]["charging_schedule_period"][1] == {
            "start_period": 180,
            "limit": 6.0,
        }


async def test_garbage_gets_a_format_violation(server: CentralSystem) -> None:
    async with await _connect(server) as ws:
        station = Station(ws)
        assert (await station.send("{not json"))[:3] == [4, "-1", "FormatViolation"]
        assert (await station.send([2, "hb", "Heartbeat", {}]))[:2] == [3, "hb"]

"""The built-in central system under bad input, over real websockets on 127.0.0.1.

Garbage and unknown actions get a CALLERROR and the conversation goes on; oversize frames,
floods and clients without the OCPP subprotocol are cut off; unknown ids never get in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
import json
from pathlib import Path
import ssl
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.typing import Subprotocol

from custom_components.dynamic_ocpp_evse.central.conversation import RATE_LIMIT
from custom_components.dynamic_ocpp_evse.central.server import (
    MAX_FRAME_BYTES,
    CentralSystem,
)

from .certificates import self_signed

BOOT = [
    2,
    "boot-1",
    "BootNotification",
    {"chargePointVendor": "Test", "chargePointModel": "Bench"},
]


def _central(tls: tuple[str, str] | None = None) -> CentralSystem:
    """A central system for a free port of 127.0.0.1, its clock fixed."""
    return CentralSystem(
        host="127.0.0.1",
        port=0,
        clock=lambda: datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        changed=lambda cp_id: None,
        refused=lambda cp_id: None,
        tls=tls,
    )


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[CentralSystem]:
    """A central system on a free port of 127.0.0.1 that lets CP1 in."""
    central = _central()
    central.allow("CP1", "")
    await central.start()
    yield central
    await central.stop()


async def _connect(server: CentralSystem, cp_id: str = "CP1") -> ClientConnection:
    return await websockets.connect(
        f"ws://127.0.0.1:{server.port}/{cp_id}",
        subprotocols=[Subprotocol("ocpp1.6")],
        max_size=None,
    )


async def _until(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    """Wait (real time, briefly) for the server's side of a close to run."""
    for _ in range(round(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not within the time")


async def _exchange(ws: ClientConnection, message: Any) -> list[Any]:
    """Send one frame; the answer to it (skipping requests the server sends meanwhile)."""
    await ws.send(message if isinstance(message, str) else json.dumps(message))
    while True:
        answer = json.loads(await ws.recv())
        if answer[0] != 2:
            return list(answer)


async def test_garbage_gets_a_callerror_and_the_conversation_goes_on(
    server: CentralSystem,
) -> None:
    async with await _connect(server) as ws:
        assert (await _exchange(ws, "{not json"))[:3] == [4, "-1", "FormationViolation"]
        assert (await _exchange(ws, json.dumps({"a": 1})))[0] == 4
        answer = await _exchange(ws, BOOT)
        assert answer[:2] == [3, "boot-1"]
        assert answer[2]["status"] == "Accepted"
        assert answer[2]["currentTime"] == "2026-06-01T12:00:00Z"  # our clock


async def test_an_unknown_action_gets_a_callerror(server: CentralSystem) -> None:
    async with await _connect(server) as ws:
        answer = await _exchange(ws, [2, "x-1", "NoSuchAction", {}])
        assert answer[:2] == [4, "x-1"]
        assert answer[2] in ("NotImplemented", "NotSupported")
        assert (await _exchange(ws, [2, "hb-1", "Heartbeat", {}]))[:2] == [3, "hb-1"]


async def test_a_payload_against_the_schema_gets_a_callerror(
    server: CentralSystem,
) -> None:
    async with await _connect(server) as ws:
        answer = await _exchange(ws, [2, "s-1", "StatusNotification", {"oops": 1}])
        assert answer[:2] == [4, "s-1"]
        assert (await _exchange(ws, [2, "hb-1", "Heartbeat", {}]))[:2] == [3, "hb-1"]


async def test_an_oversize_frame_ends_the_connection(server: CentralSystem) -> None:
    async with await _connect(server) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await _exchange(ws, "x" * (MAX_FRAME_BYTES + 1))
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009  # message too big


async def test_a_flood_is_cut_off(server: CentralSystem) -> None:
    async with await _connect(server) as ws:
        for n in range(RATE_LIMIT):
            await _exchange(ws, [2, f"hb-{n}", "Heartbeat", {}])
        with pytest.raises(ConnectionClosed) as closed:
            await _exchange(ws, [2, "one-too-many", "Heartbeat", {}])
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008  # policy violation
    # It may come back.
    async with await _connect(server) as ws:
        assert (await _exchange(ws, [2, "hb", "Heartbeat", {}]))[:2] == [3, "hb"]


async def test_a_client_without_the_ocpp_subprotocol_is_refused(
    server: CentralSystem,
) -> None:
    for offered in ([], [Subprotocol("ocpp0.1")]):
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(
                f"ws://127.0.0.1:{server.port}/CP1", subprotocols=offered
            )
        assert refused.value.response.status_code == 400
    assert server.link("CP1") is None


async def test_unknown_ids_and_wrong_passwords_never_get_in(
    server: CentralSystem,
) -> None:
    server.allow("CP2", "right")
    with pytest.raises(InvalidStatus) as refused:
        await _connect(server, "STRANGER")
    assert refused.value.response.status_code == 404
    assert server.refused == {"STRANGER"}
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(
            f"ws://127.0.0.1:{server.port}/CP2",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": "Basic Q1AyOndyb25n"},  # CP2:wrong
        )
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus):
        await _connect(server, "CP2")  # no password at all


async def test_many_reconnects_leave_one_link(server: CentralSystem) -> None:
    """A charger that reconnects over and over: one conversation, no leftovers."""
    for _ in range(30):
        ws = await _connect(server)
        await _exchange(ws, [2, "hb", "Heartbeat", {}])
        await ws.close()
    async with await _connect(server) as ws:
        await _exchange(ws, [2, "hb", "Heartbeat", {}])
        assert server.link("CP1") is not None
        assert server.chargers["CP1"].connected
    await server.stop()
    assert server.link("CP1") is None
    assert not server.chargers["CP1"].connected


async def test_what_a_charger_reports_is_kept(server: CentralSystem) -> None:
    """Status, transactions and meter values (units and phases as chargers send them)."""
    state = server.chargers["CP1"]
    async with await _connect(server) as ws:
        await _exchange(ws, BOOT)
        assert state.connected
        assert (state.vendor, state.model) == ("Test", "Bench")
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
        await _exchange(ws, [2, "s", "StatusNotification", status])
        answer = await _exchange(ws, [2, "a", "Authorize", {"idTag": "card"}])
        assert answer[2]["idTagInfo"]["status"] == "Accepted"
        start = {
            "connectorId": 1,
            "idTag": "card",
            "meterStart": 0,
            "timestamp": "2026-06-01T12:00:00Z",
        }
        transaction = (await _exchange(ws, [2, "t", "StartTransaction", start]))[2]
        assert state.connector(1).transaction_id == transaction["transactionId"]
        samples = [
            {
                "value": "10.5",
                "measurand": "Current.Import",
                "phase": "L1",
                "unit": "A",
            },
            {"value": "10.4", "measurand": "Current.Import", "phase": "L2-N"},
            {"value": "nan", "measurand": "Current.Import", "phase": "L3"},
            {"value": "16", "measurand": "Current.Offered", "unit": "A"},
            {"value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"},
            {
                "value": "1.5",
                "measurand": "Energy.Active.Import.Register",
                "unit": "kWh",
            },
            {"value": "64", "measurand": "SoC", "unit": "Percent"},
            {"value": "oops", "measurand": "Current.Offered"},
        ]
        meter = {
            "connectorId": 1,
            "meterValue": [
                {"timestamp": "2026-06-01T12:00:10Z", "sampledValue": samples}
            ],
        }
        await _exchange(ws, [2, "m", "MeterValues", meter])
        connector = state.connector(1)
        assert connector.line_a == (10.5, 10.4, None)  # not a number is not taken
        assert connector.offered_a == 16.0
        assert (connector.power_w, connector.energy_wh, connector.soc) == (
            7200.0,
            1500.0,
            64.0,
        )
        stop = {
            "transactionId": transaction["transactionId"],
            "meterStop": 1500,
            "timestamp": "2026-06-01T12:30:00Z",
        }
        await _exchange(ws, [2, "p", "StopTransaction", stop])
        assert connector.transaction_id is None
        suspended = {**status, "status": "SuspendedEV"}
        await _exchange(ws, [2, "s2", "StatusNotification", suspended])
        assert state.connector(1).line_a == (
            0.0,
            0.0,
            0.0,
        )  # a car that does not charge
        transfer = {"vendorId": "someone", "data": "x"}
        answer = await _exchange(ws, [2, "d", "DataTransfer", transfer])
        assert answer[2]["status"] == "UnknownVendorId"
    await _until(lambda: not state.connected)  # the server sees the close at once
    assert connector.status is None  # not known once it is gone


async def test_with_a_certificate_only_tls_gets_in(
    socket_enabled: None, tmp_path: Path
) -> None:
    """Security profile 2: wss:// with the user's certificate (and the password); no ws://."""
    cert, key, trusting = self_signed(tmp_path)
    central = _central(tls=(str(cert), str(key)))
    central.allow("CP1", "pw")
    await central.start()
    # A plain request fails the TLS handshake inside asyncio, which reports it to the loop's
    # exception handler (Home Assistant logs it): caught here to see that it happened.
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    refused: list[BaseException | None] = []
    loop.set_exception_handler(
        lambda _loop, context: refused.append(context.get("exception"))
    )
    try:
        with pytest.raises((InvalidMessage, ConnectionError, OSError)):
            await websockets.connect(
                f"ws://127.0.0.1:{central.port}/CP1",
                subprotocols=[Subprotocol("ocpp1.6")],
                additional_headers={"Authorization": "Basic Q1AxOnB3"},  # CP1:pw
                open_timeout=5,
            )
        await _until(lambda: bool(refused))
        loop.set_exception_handler(handler)
        assert isinstance(refused[0], ssl.SSLError)
        assert central.link("CP1") is None
        async with websockets.connect(
            f"wss://127.0.0.1:{central.port}/CP1",
            subprotocols=[Subprotocol("ocpp1.6")],
            additional_headers={"Authorization": "Basic Q1AxOnB3"},
            ssl=trusting,
        ) as ws:
            assert (await _exchange(ws, BOOT))[2]["status"] == "Accepted"
    finally:
        loop.set_exception_handler(handler)
        await central.stop()


async def test_a_second_connection_with_the_same_id_wins_and_leaves_no_orphan(
    server: CentralSystem,
) -> None:
    state = server.chargers["CP1"]
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
    first = await _connect(server)
    second = await _connect(server)
    with pytest.raises(ConnectionClosed):  # the older one is closed by the server
        await _exchange(first, [2, "s", "StatusNotification", status])
    await _exchange(second, [2, "s", "StatusNotification", status])
    assert state.connector(1).status == "Charging"
    await second.close()
    await _until(lambda: not state.connected)
    assert server.link("CP1") is None
    assert state.connector(1).status is None


async def test_a_reconnected_charger_is_asked_where_it_stands(
    server: CentralSystem,
) -> None:
    """Without a reboot a charger need not report its status again: it is asked to."""
    async with await _connect(server) as ws:
        asked = []
        for _ in range(2):
            request = json.loads(await ws.recv())
            assert request[:3] == [2, request[1], "TriggerMessage"]
            asked.append(request[3]["requestedMessage"])
            await ws.send(json.dumps([3, request[1], {"status": "Accepted"}]))
        assert asked == ["StatusNotification", "MeterValues"]


async def test_late_meter_values_do_not_overwrite_newer_ones(
    server: CentralSystem,
) -> None:
    """Samples queued while offline arrive after newer ones: the newest stays."""
    state = server.chargers["CP1"]

    def meter(at: str, amps: str) -> list[Any]:
        sample = {"value": amps, "measurand": "Current.Import", "phase": "L1"}
        values = [{"timestamp": at, "sampledValue": [sample]}]
        return [2, at, "MeterValues", {"connectorId": 1, "meterValue": values}]

    async with await _connect(server) as ws:
        await _exchange(ws, meter("2026-06-01T11:59:50Z", "12"))
        await _exchange(ws, meter("2026-06-01T11:50:00Z", "3"))  # from the backlog
        assert state.connector(1).line_a[0] == 12.0


async def test_a_password_once_given_holds_for_the_charger(
    server: CentralSystem,
) -> None:
    """One entry per connector: a second connector left without a password opens nothing."""
    server.allow("CP3", "right")
    server.allow("CP3", "")
    with pytest.raises(InvalidStatus) as refused:
        await _connect(server, "CP3")
    assert refused.value.response.status_code == 401
    async with websockets.connect(
        f"ws://127.0.0.1:{server.port}/CP3?query=ignored",
        subprotocols=[Subprotocol("ocpp1.6")],
        additional_headers={
            "Authorization": "basic Q1AzOnJpZ2h0"
        },  # scheme in any case
    ) as ws:
        assert (await _exchange(ws, [2, "hb", "Heartbeat", {}]))[:2] == [3, "hb"]

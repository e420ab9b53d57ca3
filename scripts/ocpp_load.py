"""Load benchmark of the built-in OCPP server: many reference chargers on one server.

Real time, real websockets on 127.0.0.1. Every charger boots, is asked for its measurands
every 10 s, has a car charging and reports MeterValues; every 5 s the central system sends each
connector a new working profile and reads its composite schedule back (what a site does when
the sun moves). Printed: messages per second both ways, the event loop's lateness (a 10 ms
timer's overshoot: p50, p99, max), memory, and tasks left after a round of reconnections.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
import gc
import resource
import statistics
import threading
import time
import tracemalloc
from typing import Any, TypeVar

from custom_components.dynamic_ocpp_evse.central.server import CentralSystem
from simulator.charge_point import Car, ReferenceCharger, StationSpec

COMMAND_EVERY_S = 5.0
T = TypeVar("T")


def _tasks() -> Counter[str]:
    """The running tasks, by what they run."""
    return Counter(
        getattr(task.get_coro(), "__qualname__", "?") for task in asyncio.all_tasks()
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _profile(connector: int, amps: float) -> dict[str, object]:
    start = _now() - timedelta(days=1)
    return {
        "chargingProfileId": 1900 + connector,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 86400 + 180,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}],
        },
    }


async def _lateness(samples: list[float], stop: asyncio.Event) -> None:
    """How late a 10 ms timer fires, again and again."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        samples.append((time.perf_counter() - started - 0.01) * 1000)


async def _command(central: CentralSystem, ids: list[str], stop: asyncio.Event) -> int:
    """Every 5 s a new limit for every connector, and its schedule read back; the count."""
    sent, round_ = 0, 0
    while not stop.is_set():
        round_ += 1
        amps = 6.0 + round_ % 10

        async def one(cp_id: str, amps: float = amps) -> int:
            link = central.link(cp_id)
            if link is None:
                return 0
            await link.set_profile(1, _profile(1, amps))
            await link.composite_schedule(1, 240, "A")
            return 2

        sent += sum(await asyncio.gather(*(one(cp_id) for cp_id in ids)))
        await asyncio.sleep(COMMAND_EVERY_S)
    return sent


class Fleet:
    """The simulated chargers, on their own event loop in a thread.

    Their work does not count against the server's loop.
    """

    def __init__(self, ids: list[str], port: int, version: str) -> None:
        """Chargers for `ids` that will connect to 127.0.0.1:`port`, each with a car."""
        self.chargers = [
            ReferenceCharger(
                StationSpec(cp_id=cp_id, ocpp_version=version),
                f"ws://127.0.0.1:{port}",
                _now,
                password="secret",
            )
            for cp_id in ids
        ]
        for charger in self.chargers:
            charger.plug_in(1, Car(phases=3, max_a=32))
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._runs = self.do(self._start())

    async def _start(self) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(charger.run()) for charger in self.chargers]

    def do(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the fleet's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result()

    def messages(self) -> int:
        """Messages over the wire so far, both ways."""
        return sum(len(c.sent) + len(c.received) for c in self.chargers)

    async def _drop_all(self) -> None:
        for charger in self.chargers:
            await charger.disconnect()

    def drop_all(self) -> None:
        """Every charger loses its connection (and reconnects by itself)."""
        self.do(self._drop_all())

    async def _end(self) -> None:
        for task in self._runs:
            task.cancel()
        for charger in self.chargers:
            charger.auto_reconnect = False
            await charger.disconnect()

    def end(self) -> None:
        """Stop every charger and the thread."""
        self.do(self._end())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()


async def _within(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not within {seconds:.0f} s")
        await asyncio.sleep(0.1)


def _central_mib() -> float:
    """Memory allocated by the central system's own code (and still held)."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, "*dynamic_ocpp_evse/central/*")]
    )
    return sum(stat.size for stat in snapshot.statistics("filename")) / 2**20


async def main(chargers: int, seconds: float, version: str) -> None:
    """Run the load and print the figures."""
    tracemalloc.start()
    began = time.monotonic()
    central = CentralSystem(
        host="127.0.0.1",
        port=0,
        clock=_now,
        changed=lambda _: None,
        refused=lambda _: None,
    )
    ids = [f"LOAD-{n:03d}" for n in range(chargers)]
    for cp_id in ids:
        central.allow(cp_id, "secret")
    await central.start()
    fleet = Fleet(ids, central.port, version)
    await _within(lambda: all(c.boots for c in fleet.chargers), 60, "every boot")
    booted = time.monotonic()
    await asyncio.sleep(12)  # the first MeterValues at the new interval
    before_messages = fleet.messages()
    memory_before = _central_mib()
    stop = asyncio.Event()
    lateness: list[float] = []
    watch = asyncio.create_task(_lateness(lateness, stop))
    commanding = asyncio.create_task(_command(central, ids, stop))
    started = time.monotonic()
    await asyncio.sleep(seconds)
    stop.set()
    commands = await commanding
    await watch
    elapsed = time.monotonic() - started
    messages = fleet.messages() - before_messages
    memory_after = _central_mib()

    # A round of reconnections: every charger drops and comes back.
    tasks_before = _tasks()
    await asyncio.to_thread(fleet.drop_all)
    await asyncio.sleep(0.5)
    await _within(
        lambda: all(central.link(cp_id) is not None for cp_id in ids),
        60,
        "every reconnection",
    )
    await asyncio.sleep(2)
    gc.collect()
    tasks_after = _tasks()
    await asyncio.to_thread(fleet.end)
    await central.stop()

    lateness.sort()
    print(
        f"{chargers} chargers (on their own loop): all booted {booted - began:.1f} s after "
        f"the start; measured over {elapsed:.0f} s"
    )
    print(
        f"messages over the wire: {messages / elapsed:.1f}/s "
        f"(both ways; {commands} of ours: a profile and a schedule read every 5 s each)"
    )
    print(
        "server loop lateness (10 ms timer): "
        f"p50 {statistics.median(lateness):.2f} ms, "
        f"p99 {lateness[int(0.99 * (len(lateness) - 1))]:.2f} ms, "
        f"max {lateness[-1]:.2f} ms"
    )
    print(
        f"held by central/: {memory_before:.2f} -> {memory_after:.2f} MiB over the run; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
        "(the whole process, the chargers' message logs included)"
    )
    print("server tasks before / after every charger reconnected:")
    for name in sorted(set(tasks_before) | set(tasks_after)):
        print(f"  {name}: {tasks_before.get(name, 0)} / {tasks_after.get(name, 0)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--ocpp", choices=["1.6", "2.0.1"], default="1.6")
    args = parser.parse_args()
    asyncio.run(main(args.chargers, args.seconds, args.ocpp))

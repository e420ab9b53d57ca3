"""A charger connector's limits as two OCPP charging profiles, whatever carries them.

Per connector two TxDefaultProfiles are kept on the charger (docs/design.md §6):
- the failsafe profile, one stack level below, Relative with no end: the limit the charger falls
  back to whenever nothing newer holds;
- the working profile, Absolute, from a day in the past until the validity from now (stated
  twice: `duration` and `validTo`), refreshed after two thirds of its validity while a car is
  there, whatever the command (a 0 A pause included). If Home Assistant stops, it lapses and the
  charger drops to the failsafe limit. A charger clock behind by up to a day applies it at once
  (and keeps it that much longer after Home Assistant stops); one ahead by less than a third of
  the validity never sees it lapse between refreshes; one further ahead falls to its failsafe in
  between, never above it.
Both are (re)installed on the first command, after a reset, and whenever the charger may have
lost them: a call that failed, the charger coming back, or Current.Offered disagreeing with the
command. The transport (the HA OCPP integration, or our own central system) carries them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any, Protocol

from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ...central.times import format_time
from ...const import LOGGER
from ...engine.state import Command
from .config import PAUSE_STOP, EvseConfig

WORKING_PROFILE_ID = 1900  # + connector
FAILSAFE_PROFILE_ID = 1800  # + connector
BEHIND_SLACK = timedelta(
    days=1
)  # a charger clock this far behind still applies it at once
# A charger's clock may lag ours this much before the schedule check calls it a mismatch: our
# working profile may hold that much longer than its validity.
LAPSE_SLACK = timedelta(seconds=30)
OFFERED_GRACE = timedelta(seconds=60)  # time a charger gets to apply a new limit
OFFERED_TOLERANCE_A = 1.0


class ProfileRejected(HomeAssistantError):
    """The charger answered that it does not take the profile."""


@dataclass(frozen=True, slots=True)
class Shape:
    """How a charger takes our profiles.

    The working profile's stack level (the failsafe's is one below), the charging rate unit,
    and the working profile's kind.
    """

    stack_level: int
    rate_unit: str
    working_kind: str = "Absolute"

    def fallbacks(self) -> list[Shape]:
        """The shapes to try when a charger rejects this one: one change, then two, then all.

        Stack level 1 (the lowest that leaves room for the failsafe below it), the other unit,
        a Relative working profile (some chargers take no Absolute one).
        """
        changes: list[dict[str, Any]] = []
        if self.stack_level != 1:
            changes.append({"stack_level": 1})
        changes.append({"rate_unit": "W" if self.rate_unit == "A" else "A"})
        if self.working_kind != "Relative":
            changes.append({"working_kind": "Relative"})
        return [
            replace(self, **{k: v for change in combo for k, v in change.items()})
            for size in range(1, len(changes) + 1)
            for combo in combinations(changes, size)
        ]

    def differs_from(self, other: Shape) -> str:
        """What differs from `other`, in words ('' when nothing)."""
        found = []
        if self.stack_level != other.stack_level:
            found.append(f"stack level {self.stack_level}")
        if self.rate_unit != other.rate_unit:
            found.append(f"limits in {self.rate_unit}")
        if self.working_kind != other.working_kind:
            found.append(f"a {self.working_kind} working profile")
        return ", ".join(found)


class Transport(Protocol):
    """How profiles reach one connector, and what can be seen of it."""

    def check(self) -> None:
        """Raise when nothing can be sent now (LoadUnavailable: the charger is away)."""

    def came_back(self) -> bool:
        """Whether the charger reconnected or rebooted since last asked."""

    def status(self) -> str | None:
        """The connector's OCPP status (None: not known)."""

    def offered_a(self) -> float | None:
        """What the connector offers the car now (None: not known)."""

    @property
    def watched(self) -> list[str]:
        """Entities whose changes call for a new cycle (none when the charger tells us)."""

    def line_currents(self, lines: int) -> tuple[float | None, ...]:
        """What the car draws on each of the connector's lines (None: not known)."""

    async def set_profile(self, profile: dict[str, Any]) -> None:
        """Install a profile on the connector; raise HomeAssistantError when that fails.

        ProfileRejected when the charger answers that it does not take it.
        """

    async def start_or_stop(self, *, charging: bool) -> None:
        """Start or stop the connector's transaction (pausing by stopping)."""

    async def clear(self) -> None:
        """Remove our profiles from the charger."""

    async def release(self) -> None:
        """The connector was removed: clear what only the running site can (never raises)."""

    async def verify(self, working: float, failsafe: float, unit: str) -> None:
        """Check what the charger will apply: `working` now, `failsafe` once it lapses."""


class ProfileActuator:
    """Drives one connector with a failsafe and a working profile over a transport."""

    def __init__(
        self, config: EvseConfig, voltage: float, transport: Transport
    ) -> None:
        """Drive the connector `config` describes through `transport`."""
        self.config = config
        self.transport = transport
        self._voltage = voltage
        # Each profile is on the charger as far as we know.
        self._failsafe_on = False
        self._working_on = False
        # The working limit sent last, and since when the charger has had that value.
        self._sent: tuple[float, datetime] | None = None
        self._following = True
        self._mismatch_retried = False
        # What the charger lets a car draw per line by itself, should we fall silent: our
        # working limit until it lapses, then the floor: the failsafe once the charger took
        # it, its own maximum until then. Whatever the last run sent (its own maximum at
        # most) may hold for a validity after a start, failsafe taken or not.
        self._holding = (self._no_failsafe_a, dt_util.utcnow() + self._lapse)
        self._floor_a = self._no_failsafe_a
        # As configured, until the charger rejects that and takes another (kept while loaded).
        self.shape = self._configured

    @property
    def following(self) -> bool:
        """False while Current.Offered disagrees with the command after a reinstall."""
        return self._following

    @property
    def manual(self) -> bool:
        """A charger is never left alone: its limits are what keeps the breaker."""
        return False

    def release(self) -> None:
        """Nothing is left alone on a charger."""

    def holds_a(self, now: datetime) -> float:
        """The most a car may draw per line from this charger now if we cannot reach it.

        Our last working limit (or one whose answer was lost) until it lapses by a clock
        behind ours; never less than the failsafe profile's (a clock ahead of ours ends the
        working one early); the charger's own maximum while ours are cleared.
        """
        working, until = self._holding
        return max(working if now < until else 0.0, self._floor_a)

    @property
    def _configured(self) -> Shape:
        return Shape(self.config.stack_level, self.config.rate_unit)

    @property
    def _no_failsafe_a(self) -> float:
        """What a charger without our failsafe lets a car draw: its own maximum."""
        return max(self.config.charger_max_a, self.config.failsafe_a)

    @property
    def _lapse(self) -> timedelta:
        return timedelta(seconds=self.config.profile_validity_s) + LAPSE_SLACK

    def _worst_a(self, profile: dict[str, Any]) -> float:
        """The most a car may draw on one line under this profile (watts: all on one line)."""
        limit = _limit_of(profile)
        if profile["chargingSchedule"]["chargingRateUnit"] == "W":
            return min(limit / self._voltage, self.config.charger_max_a)
        return limit

    def command_lost(self) -> None:
        """A call failed or timed out: send both profiles again with the next command."""
        self.profiles_lost()

    def profiles_lost(self) -> None:
        """The charger may hold neither profile: install both with the next command."""
        self._failsafe_on = self._working_on = False
        self._sent = None

    async def async_apply(self, command: Command) -> None:
        """Install the failsafe profile if needed, then the working profile when due."""
        transport = self.transport
        if transport.came_back():
            self.profiles_lost()
            # A rejection may have been passing: the settings are tried first again.
            self.shape = self._configured
        try:
            transport.check()
        except HomeAssistantError:
            self.profiles_lost()
            raise
        now = dt_util.utcnow()
        fresh_start = not self._working_on
        pausing_by_stop = self.config.pause_mode == PAUSE_STOP
        # Made without the connector (away, or its status not known yet): the command waits
        # for the next cycle's, made with it; the failsafe goes now.
        unseen = transport.status() is None
        if not self._failsafe_on:
            await self._send_failsafe()
        if unseen:
            return
        if pausing_by_stop:
            await self._guarded(transport.start_or_stop(charging=command.current_a > 0))
        # Paused by a stopped transaction, the working profile keeps its last limit.
        if (command.send or fresh_start) and not (
            pausing_by_stop and command.current_a == 0
        ):
            await self._send_working(command, now, fresh_start=fresh_start)
        self._working_on = True
        self._check_offered(now)

    async def _send_working(
        self, command: Command, now: datetime, *, fresh_start: bool
    ) -> None:
        """The working profile with the command, then the check of what the charger applies."""
        shape = self.shape
        working, until = self._holding
        held = working if now < until else 0.0
        lapses = now + self._lapse

        def build(tried: Shape) -> dict[str, Any]:
            nonlocal held
            profile = self.working_profile(command, now, tried)
            # Held from before it is sent: the charger may take it even if its answer is lost.
            held = max(held, self._worst_a(profile))
            self._holding = (held, lapses)
            return profile

        await self._send(build)
        self._holding = (self._worst_a(self.working_profile(command, now)), lapses)
        if self.shape != shape:  # taken only in another shape: the failsafe follows it
            # The working profile may have replaced the failsafe at its new stack level.
            self._floor_a = self._no_failsafe_a
            # In that shape or not at all: a search of its own could undo the working's.
            await self._send_failsafe(search=False)
        # Checked beside the command: a check that cannot be made fails nothing.
        await self.transport.verify(
            _limit_of(self.working_profile(command, now)),
            _limit_of(self.failsafe_profile()),
            self.shape.rate_unit,
        )
        if fresh_start or self._sent is None or self._sent[0] != command.current_a:
            # The grace runs from a new value: a refresh does not restart it.
            self._sent = (command.current_a, now)

    async def async_removed(self) -> None:
        """The connector was removed from the site: its transport lets the charger go."""
        await self.transport.release()

    async def async_reset(self) -> None:
        """Clear our profiles from the charger; both go back on with the next command."""
        self.profiles_cleared()
        await self._guarded(self.transport.clear())

    def profiles_cleared(self) -> None:
        """Our profiles may be gone from the charger: its own maximum until both are back."""
        self._floor_a = self._no_failsafe_a
        self.profiles_lost()

    async def _send_failsafe(self, *, search: bool = True) -> None:
        """The failsafe profile; once taken, it is what the charger falls to."""
        await self._send(self.failsafe_profile, search=search)
        self._failsafe_on = True
        self._floor_a = self._worst_a(self.failsafe_profile())

    async def _send(
        self, build: Callable[[Shape], dict[str, Any]], *, search: bool = True
    ) -> None:
        """A profile in the charger's shape; one it rejects is tried in the other shapes.

        The first shape it takes is kept for every later profile (its quirk).
        """
        try:
            await self._guarded(self.transport.set_profile(build(self.shape)))
        except ProfileRejected:
            if not search:
                raise
            for shape in self.shape.fallbacks():
                try:
                    await self._guarded(self.transport.set_profile(build(shape)))
                except ProfileRejected:
                    continue
                LOGGER.warning(
                    "%s rejected its profile as configured; it takes %s: using that",
                    self.config.charge_point_id,
                    shape.differs_from(self.shape),
                )
                self.shape = shape
                return
            raise

    @property
    def adapted(self) -> str:
        """How the charger's profiles differ from its settings, in words ('' when not)."""
        return self.shape.differs_from(self._configured)

    async def _guarded(self, call: Awaitable[None]) -> None:
        """A call to the charger; when it fails the charger may have lost what it was sent."""
        try:
            await call
        except HomeAssistantError:
            self.profiles_lost()
            raise

    def failsafe_profile(self, shape: Shape | None = None) -> dict[str, Any]:
        """The profile the charger keeps when nothing newer holds."""
        shape = shape or self.shape
        return {
            "chargingProfileId": FAILSAFE_PROFILE_ID + self.config.connector,
            "stackLevel": max(shape.stack_level - 1, 0),
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": {
                "chargingRateUnit": shape.rate_unit,
                # Per line whatever the car's phases: watts for one line.
                "chargingSchedulePeriod": [
                    {
                        "startPeriod": 0,
                        "limit": self._limit(
                            self.config.failsafe_a, 1, shape.rate_unit
                        ),
                    }
                ],
            },
        }

    def working_profile(
        self, command: Command, now: datetime, shape: Shape | None = None
    ) -> dict[str, Any]:
        """The short-lived profile that carries the command.

        Absolute from a day back (a charger clock behind applies it at once), for the
        validity; Relative for a charger that takes no Absolute one: without a duration, as
        it counts from the transaction's start. Either way `validTo` ends it.
        """
        shape = shape or self.shape
        start = now - BEHIND_SLACK
        end = now + timedelta(seconds=self.config.profile_validity_s)
        schedule: dict[str, Any] = {"chargingRateUnit": shape.rate_unit}
        if shape.working_kind == "Absolute":
            schedule["startSchedule"] = format_time(start)
            schedule["duration"] = int((end - start).total_seconds())
        limit = self._limit(
            command.current_a, command.lines, shape.rate_unit, seen=command.lines_seen
        )
        schedule["chargingSchedulePeriod"] = [{"startPeriod": 0, "limit": limit}]
        return {
            "chargingProfileId": WORKING_PROFILE_ID + self.config.connector,
            "stackLevel": shape.stack_level,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": shape.working_kind,
            "validTo": format_time(end),
            "chargingSchedule": schedule,
        }

    def _limit(self, amps: float, lines: int, unit: str, *, seen: bool = True) -> float:
        """A limit in `unit`: amps per line, or watts over the lines in use.

        Watts for lines not yet seen in use are given for the minimum only: a car on fewer
        lines than wired draws the watts on those, so it is held at the minimum's watts (at
        most three times the minimum on one line) until its lines show.
        """
        if unit == "W":
            in_use = lines or len(self.config.wired) or 1
            if not seen:
                amps = min(amps, self.config.min_a)
            return float(round(amps * self._voltage * in_use))
        return round(amps, 1)

    def _check_offered(self, now: datetime) -> None:
        """Compare Current.Offered with the command once the charger had time to apply it.

        The first disagreement reinstalls both profiles (the charger may have lost them); only
        one that persists after that makes the connector *not following*.
        """
        matches = self._offered_matches(now)
        if matches is None:
            return
        if matches:
            self._following = True
            self._mismatch_retried = False
        elif not self._mismatch_retried:
            self._mismatch_retried = True
            self.profiles_lost()
        else:
            self._following = False

    def _offered_matches(self, now: datetime) -> bool | None:
        """Whether the charger offers what it was told; None while it is given time to.

        Nothing to compare (no car charging, no reading) counts as following.
        """
        if self._sent is None:
            return None
        if self.transport.status() != "Charging":
            return True  # a charger offers its limit only while it charges
        offered = self.transport.offered_a()
        if offered is None:
            return True
        if abs(offered - self._sent[0]) <= OFFERED_TOLERANCE_A:
            return True
        return None if now - self._sent[1] < OFFERED_GRACE else False


def _limit_of(profile: dict[str, Any]) -> float:
    limit: float = profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
    return limit

"""OCPP 1.6 smart charging as a charge point evaluates it: profiles, stacking, composite limits.

Pure: profiles come in as the JSON the charge point received (camelCase), time is passed in and
is always the *charge point's own* clock. The rules (OCPP 1.6, section 3.13 and the
SetChargingProfile / ClearChargingProfile / GetCompositeSchedule messages):

- A profile is valid while validFrom <= t < validTo (either may be absent).
- Its schedule starts at startSchedule (Absolute), at the transaction's start (Relative; without
  a transaction, at the moment asked about), or at the latest daily/weekly recurrence of
  startSchedule (Recurring). Before its start, and from start + duration on, it sets no limit;
  in between, the period with the latest startPeriod <= t - start does.
- Within one purpose the highest stack level that sets a limit wins; for TxDefaultProfile a
  profile installed on the connector wins a tie against one installed on connector 0.
- The limit a connector applies: the TxProfile of its transaction if one sets a limit, else its
  TxDefaultProfile; never above a ChargePointMaxProfile. Where nothing sets a limit, the charge
  point's own maximum applies.
- A new profile replaces an installed one with the same id, or with the same connector, purpose
  and stack level. A TxProfile ends with its transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class Purpose(StrEnum):
    """What a profile is for."""

    CHARGE_POINT_MAX = "ChargePointMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class Kind(StrEnum):
    """Where a profile's schedule starts."""

    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


RECURRENCE = {"Daily": timedelta(days=1), "Weekly": timedelta(weeks=1)}


def parse_time(text: str) -> datetime:
    """An OCPP date-time ("2026-06-01T12:00:00Z", offsets and fractions allowed)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"date-time without a time zone: {text}")
    return moment


def format_time(moment: datetime) -> str:
    """An OCPP date-time in UTC with a Z, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Period:
    """One step of a schedule: from `start_s` seconds after its start, at most `limit`."""

    start_s: int
    limit: float
    phases: int | None = None  # numberPhases, when the profile states it


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit in force: in the profile's unit, with the profile it comes from."""

    value: float
    unit: str  # "A" (per line) or "W" (in total)
    phases: int | None
    profile_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One installed charging profile."""

    id: int
    connector: int  # 0: the whole charge point
    stack_level: int
    purpose: Purpose
    kind: Kind
    unit: str
    periods: tuple[Period, ...]
    recurrency: str | None = None
    transaction_id: int | str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    start: datetime | None = None  # startSchedule
    duration_s: int | None = None

    @classmethod
    def from_wire(
        cls, connector: int, payload: Mapping[str, Any], received: datetime
    ) -> Profile:
        """A profile from a SetChargingProfile's csChargingProfiles (raises on nonsense)."""
        schedule = payload["chargingSchedule"]
        periods = tuple(
            Period(
                start_s=int(p["startPeriod"]),
                limit=float(p["limit"]),
                phases=int(p["numberPhases"]) if "numberPhases" in p else None,
            )
            for p in schedule["chargingSchedulePeriod"]
        )
        if not periods or periods[0].start_s != 0:
            raise ValueError("a schedule must start with a period at 0")
        if any(
            b.start_s <= a.start_s for a, b in zip(periods, periods[1:], strict=False)
        ):
            raise ValueError("schedule periods must be in increasing order")
        kind = Kind(payload["chargingProfileKind"])
        start = schedule.get("startSchedule")
        if kind is Kind.RECURRING and (
            start is None or "recurrencyKind" not in payload
        ):
            raise ValueError(
                "a recurring profile needs startSchedule and recurrencyKind"
            )
        return cls(
            id=int(payload["chargingProfileId"]),
            connector=connector,
            stack_level=int(payload["stackLevel"]),
            purpose=Purpose(payload["chargingProfilePurpose"]),
            kind=kind,
            unit=str(schedule["chargingRateUnit"]),
            periods=periods,
            recurrency=payload.get("recurrencyKind"),
            transaction_id=payload.get("transactionId"),
            valid_from=_optional_time(payload.get("validFrom")),
            valid_to=_optional_time(payload.get("validTo")),
            # An Absolute profile without a start starts when it arrives.
            start=parse_time(start)
            if start
            else (received if kind is Kind.ABSOLUTE else None),
            duration_s=schedule.get("duration"),
        )

    def valid(self, now: datetime) -> bool:
        """Whether validFrom and validTo allow the profile at `now`."""
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_to is None or now < self.valid_to
        )

    def schedule_start(self, now: datetime, tx_start: datetime | None) -> datetime:
        """When the schedule in force at `now` started."""
        if self.kind is Kind.RELATIVE:
            return tx_start if tx_start is not None else now
        assert self.start is not None
        if self.kind is Kind.ABSOLUTE or now < self.start:
            return self.start
        every = RECURRENCE[self.recurrency or "Daily"]
        return self.start + every * ((now - self.start) // every)

    def limit_at(self, now: datetime, tx_start: datetime | None) -> Limit | None:
        """The limit this profile sets at `now`, or None when it sets none."""
        if not self.valid(now):
            return None
        offset = (now - self.schedule_start(now, tx_start)).total_seconds()
        if offset < 0 or (self.duration_s is not None and offset >= self.duration_s):
            return None
        period = next(p for p in reversed(self.periods) if p.start_s <= offset)
        return Limit(period.limit, self.unit, period.phases, self.id)

    def changes(
        self, begin: datetime, end: datetime, tx_start: datetime | None
    ) -> Iterable[datetime]:
        """Every moment in [begin, end) at which this profile's limit may change."""
        moments = [m for m in (self.valid_from, self.valid_to) if m is not None]
        starts: list[datetime] = []
        if self.kind is Kind.RELATIVE:
            starts.append(tx_start if tx_start is not None else begin)
        elif self.kind is Kind.ABSOLUTE:
            assert self.start is not None
            starts.append(self.start)
        else:
            every = RECURRENCE[self.recurrency or "Daily"]
            start = self.schedule_start(begin, tx_start)
            while start < end:
                starts.append(start)
                start += every
        for start in starts:
            moments.extend(start + timedelta(seconds=p.start_s) for p in self.periods)
            if self.duration_s is not None:
                moments.append(start + timedelta(seconds=self.duration_s))
        return (m for m in moments if begin <= m < end)


def _optional_time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


type ToAmps = Callable[[Limit], float]


@dataclass(slots=True)
class ProfileStore:
    """The profiles a charge point holds, and the limit they make."""

    profiles: list[Profile] = field(default_factory=list)

    def install(self, profile: Profile) -> None:
        """Add a profile, replacing one with its id or its connector, purpose and level."""
        self.profiles = [
            p
            for p in self.profiles
            if p.id != profile.id
            and (p.connector, p.purpose, p.stack_level)
            != (profile.connector, profile.purpose, profile.stack_level)
        ]
        self.profiles.append(profile)

    def clear(
        self,
        *,
        profile_id: int | None = None,
        connector: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Remove the profiles that match every given criterion; how many were removed.

        With an id, only that profile is removed, whatever the other criteria say.
        """

        def matches(p: Profile) -> bool:
            if profile_id is not None:
                return p.id == profile_id
            return (
                (connector is None or p.connector == connector)
                and (purpose is None or p.purpose is purpose)
                and (stack_level is None or p.stack_level == stack_level)
            )

        kept = [p for p in self.profiles if not matches(p)]
        removed = len(self.profiles) - len(kept)
        self.profiles = kept
        return removed

    def end_transaction(self, connector: int) -> None:
        """A TxProfile lives as long as its transaction."""
        self.clear(connector=connector, purpose=Purpose.TX)

    def limit_a(
        self,
        connector: int,
        now: datetime,
        *,
        tx_id: int | str | None,
        tx_start: datetime | None,
        to_amps: ToAmps,
    ) -> tuple[float | None, tuple[int, ...]]:
        """The current per line the profiles allow on a connector at `now`.

        None when no profile sets a limit (the charge point's own maximum applies); with the
        ids of the profiles that made the limit.
        """

        def best(candidates: Iterable[Profile]) -> Limit | None:
            ranked = sorted(
                candidates,
                key=lambda p: (p.stack_level, p.connector != 0),
                reverse=True,
            )
            for profile in ranked:
                limit = profile.limit_at(now, tx_start)
                if limit is not None:
                    return limit
            return None

        default = best(
            p
            for p in self.profiles
            if p.purpose is Purpose.TX_DEFAULT and p.connector in (0, connector)
        )
        tx = (
            best(
                p
                for p in self.profiles
                if p.purpose is Purpose.TX
                and p.connector == connector
                and p.transaction_id in (None, tx_id)
            )
            if tx_id is not None
            else None
        )
        cap = best(p for p in self.profiles if p.purpose is Purpose.CHARGE_POINT_MAX)
        chosen = tx or default
        limits = [lim for lim in (chosen, cap) if lim is not None]
        if not limits:
            return None, ()
        amps = min(to_amps(lim) for lim in limits)
        return amps, tuple(lim.profile_id for lim in limits)

    def composite(
        self,
        connector: int,
        begin: datetime,
        duration_s: int,
        *,
        tx_id: int | str | None,
        tx_start: datetime | None,
        to_amps: ToAmps,
        default_a: float,
    ) -> list[tuple[int, float]]:
        """The limit per line over [begin, begin + duration): (seconds from begin, amps) steps."""
        end = begin + timedelta(seconds=duration_s)
        # Without a transaction, one is taken to start now.
        tx_start = tx_start or begin
        moments = {begin}
        for profile in self.profiles:
            moments.update(profile.changes(begin, end, tx_start))
        steps: list[tuple[int, float]] = []
        for moment in sorted(moments):
            amps, _ = self.limit_a(
                connector, moment, tx_id=tx_id, tx_start=tx_start, to_amps=to_amps
            )
            value = default_a if amps is None else amps
            if not steps or steps[-1][1] != value:
                steps.append((int((moment - begin).total_seconds()), value))
        return steps

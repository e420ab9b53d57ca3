"""Time as OCPP writes it: UTC, whole seconds, with a Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def format_time(moment: datetime) -> str:
    """A time as OCPP writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: Any) -> datetime | None:
    """An OCPP time (one without a zone is UTC); None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)  # "Z" included (Python 3.11+)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

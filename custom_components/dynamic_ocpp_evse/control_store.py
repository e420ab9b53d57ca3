"""The control's memory across restarts: stops in a session, pauses, last commands, plug power.

The control runs on a monotonic clock that starts again with Home Assistant, so its moments are
saved as wall-clock times and turned back into the new monotonic clock when read. A file that
cannot be read gives an empty memory (a new session for every load), never a site that cannot
start.
"""

from __future__ import annotations

from dataclasses import fields, replace
import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .engine.model import Mode
from .engine.state import LoadState

STORAGE_VERSION = 1
SAVE_DELAY_S = 30.0  # at most this much of the control's memory is lost in a crash
_MOMENTS = frozenset(
    f.name for f in fields(LoadState) if f.name.endswith(("_at", "_since"))
)


class ControlStore:
    """Saves and restores the control state of one site's loads."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the site's control file."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.control"
        )
        self._pending = False
        self._latest: dict[str, dict[str, Any]] = {}

    async def async_load(
        self, *, wall: float, monotonic: float
    ) -> dict[str, LoadState]:
        """The saved states, their moments moved onto the monotonic clock of now."""
        try:
            raw = await self._store.async_load()
        except (HomeAssistantError, OSError, ValueError) as err:
            LOGGER.warning(
                "The control state could not be read, starting afresh: %s", err
            )
            return {}
        loads = raw.get("loads") if isinstance(raw, dict) else None
        if not isinstance(loads, dict):
            return {}
        shift = monotonic - wall
        states: dict[str, LoadState] = {}
        for load_id, values in loads.items():
            state = _state(values, shift) if isinstance(values, dict) else None
            if state is not None:
                states[str(load_id)] = state
        return states

    def schedule_save(
        self, states: dict[str, LoadState], *, wall: float, monotonic: float
    ) -> None:
        """Save within SAVE_DELAY_S (the latest states then), and when Home Assistant stops."""
        shift = wall - monotonic
        self._latest = {
            load_id: _raw(state, shift) for load_id, state in states.items()
        }
        if not self._pending:  # a new delayed save would push the pending one back
            self._pending = True
            self._store.async_delay_save(self._data, SAVE_DELAY_S)

    async def async_flush(self) -> None:
        """Write what is pending now (the site is unloaded)."""
        if self._pending:
            await self._store.async_save(self._data())

    def _data(self) -> dict[str, Any]:
        self._pending = False
        return {"loads": self._latest}

    async def async_remove(self) -> None:
        """Delete the file when the site is removed."""
        await self._store.async_remove()


def _raw(state: LoadState, shift: float) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for field in fields(LoadState):
        value = getattr(state, field.name)
        if field.name in _MOMENTS and value is not None:
            value += shift
        raw[field.name] = value.value if isinstance(value, Mode) else value
    return raw


def _state(values: dict[str, Any], shift: float) -> LoadState | None:
    """A state from its saved values; what is missing or nonsense keeps its default."""
    state = LoadState()
    changes: dict[str, Any] = {}
    for field in fields(LoadState):
        value = values.get(field.name)
        default = getattr(state, field.name)
        if field.name == "mode":
            changes["mode"] = _mode(value)
        elif isinstance(default, bool):
            changes[field.name] = value if isinstance(value, bool) else default
        elif isinstance(default, int):  # counts: stops, lines seen
            valid = (
                isinstance(value, int) and not isinstance(value, bool) and value >= 0
            )
            changes[field.name] = value if valid else default
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
        ):
            changes[field.name] = float(value) + (
                shift if field.name in _MOMENTS else 0.0
            )
    return replace(state, **changes)


def _mode(value: Any) -> Mode | None:
    try:
        return Mode(value)
    except ValueError:
        return None

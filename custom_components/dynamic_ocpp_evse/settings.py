"""The user's runtime choices (modes, priorities, limits), persisted across restarts.

Entities change them; the coordinator reads them into every snapshot. They live in a storage
file of their own so that changing one never reloads the site entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .engine.model import Distribution, Mode, ModeSetting, Override

STORAGE_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadSettings:
    """A load's operating mode, priority and override.

    A charger's own current range too (None: as set up).
    """

    mode: ModeSetting = ModeSetting.FOLLOW_SITE
    priority: int = 1
    min_current_a: float | None = None
    max_current_a: float | None = None
    override: Override | None = None  # Start now / Stop now, until resumed
    car_seen: bool = (
        False  # a charger's car was there at the last reading (ends an override)
    )

    def current_range(self, low: float, high: float) -> tuple[float, float]:
        """The user's range within the configured one (`low`..`high`); max never below min."""
        minimum = min(max(self.min_current_a or low, low), high)
        maximum = min(max(self.max_current_a or high, minimum), high)
        return minimum, maximum


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSettings:
    """Everything a user changes at runtime."""

    charging_mode: Mode = Mode.STANDARD
    distribution: Distribution = Distribution.SHARED
    max_import_w: float = 0.0  # 0 = no import cap
    import_buffer_w: float = 0.0
    excess_threshold_w: float = 0.0
    loads: dict[str, LoadSettings] = field(default_factory=dict)

    def load(self, load_id: str) -> LoadSettings:
        """The settings of one load (defaults until the user changes them)."""
        return self.loads.get(load_id, LoadSettings())

    def with_load(self, load_id: str, **changes: Any) -> UserSettings:
        """A copy with one load's settings changed."""
        return replace(
            self, loads={**self.loads, load_id: replace(self.load(load_id), **changes)}
        )


class SettingsStore:
    """Loads and saves the user settings of one site."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Bind to the site's storage file."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.settings"
        )
        self.unreadable = False  # the last load found a file it could not use

    async def async_load(self) -> UserSettings:
        """Read the saved settings; anything missing or invalid falls back to its default.

        A file that cannot be read at all, or is not shaped like settings, gives the defaults
        and sets `unreadable` (the site still starts; a repair tells the user).
        """
        try:
            raw = await self._store.async_load()
        except (HomeAssistantError, OSError, ValueError) as err:
            LOGGER.warning("The settings of this site could not be read: %s", err)
            raw, self.unreadable = None, True
        if raw is None:
            raw = {}
        if not isinstance(raw, dict) or not isinstance(raw.get("loads", {}), dict):
            LOGGER.warning("The settings file of this site is not valid: defaults used")
            raw, self.unreadable = {}, True
        defaults = UserSettings()
        loads: dict[str, LoadSettings] = {}
        for load_id, values in (raw.get("loads") or {}).items():
            if not isinstance(values, dict):
                self.unreadable = True
                continue
            loads[load_id] = LoadSettings(
                mode=_enum(ModeSetting, values.get("mode"), ModeSetting.FOLLOW_SITE),
                priority=_int(values.get("priority"), 1),
                min_current_a=_opt_float(values.get("min_current_a")),
                max_current_a=_opt_float(values.get("max_current_a")),
                override=_override(values.get("override")),
                car_seen=values.get("car_seen") is True,
            )
        return UserSettings(
            charging_mode=_enum(Mode, raw.get("charging_mode"), defaults.charging_mode),
            distribution=_enum(
                Distribution, raw.get("distribution"), defaults.distribution
            ),
            max_import_w=_float(raw.get("max_import_w"), 0.0),
            import_buffer_w=_float(raw.get("import_buffer_w"), 0.0),
            excess_threshold_w=_float(raw.get("excess_threshold_w"), 0.0),
            loads=loads,
        )

    async def async_save(self, settings: UserSettings) -> None:
        """Save at once: a change is a rare user action that must survive a restart."""
        await self._store.async_save(asdict(settings))
        self.unreadable = False

    async def async_remove(self) -> None:
        """Delete the file when the site is removed."""
        await self._store.async_remove()


def _enum[E: (Mode, ModeSetting, Distribution)](
    kind: type[E], value: Any, default: E
) -> E:
    try:
        return kind(value)
    except (ValueError, TypeError):
        return default


def _override(value: Any) -> Override | None:
    try:
        return Override(value)
    except (ValueError, TypeError):
        return None


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _opt_float(value: Any) -> float | None:
    """A positive number, or None (not set, or not usable)."""
    number = _float(value, 0.0)
    return number if number > 0 else None


def _float(value: Any, default: float) -> float:
    return (
        float(value)
        if isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        else default
    )

"""Runtime data of a site entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .const import CONF_BREAKER, CONF_GRID_METERS, CONF_INVERT_GRID, CONF_VOLTAGE


@dataclass(slots=True, kw_only=True, frozen=True)
class SiteSettings:
    """The site as the user described it."""

    grid_meters: dict[str, str]  # phase letter -> meter entity id, present phases only
    invert_grid_sign: bool
    breaker_rating: float
    voltage: float

    @classmethod
    def from_entry_data(cls, data: dict[str, object]) -> SiteSettings:
        """Read settings from a site entry's data (validated by the config flow)."""
        meters = {
            key[-1].upper(): str(data[key]) for key in CONF_GRID_METERS if data.get(key)
        }
        return cls(
            grid_meters=meters,
            invert_grid_sign=bool(data.get(CONF_INVERT_GRID, False)),
            breaker_rating=float(str(data[CONF_BREAKER])),
            voltage=float(str(data[CONF_VOLTAGE])),
        )


@dataclass(slots=True, kw_only=True)
class SiteRuntimeData:
    """Everything a loaded site entry owns."""

    settings: SiteSettings


type SiteConfigEntry = ConfigEntry[SiteRuntimeData]

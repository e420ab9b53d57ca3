"""Home Assistant states -> an engine snapshot (units, sign, staleness).

The site's meters are read here, each load by its kind's driver. What cannot be read is stale
(None), never 0; the engine decides what stale means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, State

from .circuit_groups import Circuits
from .engine.model import Battery, Charger, Inverter, Phase, Site, Snapshot
from .engine.units import grid_current, parse_number, power_w
from .settings import UserSettings
from .site_config import SiteConfig

if TYPE_CHECKING:
    from .loads.kind import Driver


def read_snapshot(
    hass: HomeAssistant,
    *,
    config: SiteConfig,
    drivers: Sequence[Driver],
    settings: UserSettings,
    circuits: Circuits,
    now: datetime,
) -> Snapshot:
    """Read every input of the site into a snapshot; each load reads its own."""
    grid: dict[Phase, float | None] = {}
    ages: dict[Phase, float] = {}
    for phase, entity_id in config.grid_meters.items():
        state = hass.states.get(entity_id)
        if state is None:
            grid[phase] = None
            continue
        grid[phase] = grid_current(
            state.state,
            state.attributes.get(ATTR_UNIT_OF_MEASUREMENT),
            voltage=config.voltage,
            invert=config.invert_grid_sign,
        )
        # Written again with the same value counts as reported (last_reported).
        ages[phase] = max((now - state.last_reported).total_seconds(), 0.0)
    return Snapshot(
        site=Site(
            phases=tuple(config.grid_meters),
            voltage=config.voltage,
            breaker_a=config.breaker_a,
            breaker_type=config.breaker_type,
            max_import_w=settings.max_import_w or None,
            import_buffer_w=settings.import_buffer_w,
            excess_threshold_w=settings.excess_threshold_w,
            inverter=Inverter(max_power_w=config.inverter_max_power_w)
            if config.inverter_max_power_w
            else None,
            chargers=_shared_limits(drivers),
            groups=circuits.groups,
            meter_interval_s=config.meter_interval_s,
        ),
        grid_a=grid,
        grid_age_s=ages,
        loads=tuple(
            replace(
                driver.read(hass, settings.load(driver.id)),
                group=circuits.members.get(driver.id),
            )
            for driver in drivers
        ),
        site_mode=settings.charging_mode,
        distribution=settings.distribution,
        solar_w=power_of(hass.states.get(config.solar_entity))
        if config.solar_entity
        else None,
        solar_sensor=config.solar_entity is not None,
        battery=_battery(hass, config),
    )


def power_of(state: State | None) -> float | None:
    """A power sensor's reading in W (None: none, stale or nonsense)."""
    if state is None:
        return None
    return power_w(state.state, state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))


def _battery(hass: HomeAssistant, config: SiteConfig) -> Battery | None:
    if config.battery_power_entity is None and config.battery_soc_entity is None:
        return None
    soc_state = (
        hass.states.get(config.battery_soc_entity)
        if config.battery_soc_entity
        else None
    )
    power = (
        hass.states.get(config.battery_power_entity)
        if config.battery_power_entity
        else None
    )
    return Battery(
        soc=parse_number(soc_state.state) if soc_state else None,
        power_w=power_of(power),
        target_soc=config.battery_target_soc,
        support_soc=config.battery_support_soc,
    )


def _shared_limits(drivers: Sequence[Driver]) -> tuple[Charger, ...]:
    """One limit per thing loads share (a charger): the lowest any of its loads names."""
    limits: dict[str, float] = {}
    for driver in drivers:
        limit = driver.shared_limit
        if limit is not None:
            limits[limit.id] = min(limits.get(limit.id, limit.max_a), limit.max_a)
    return tuple(Charger(id=key, max_a=max_a) for key, max_a in limits.items())

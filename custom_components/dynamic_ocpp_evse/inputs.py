"""Home Assistant states -> an engine snapshot (units, sign, staleness).

The only place that reads the states of the meters and loads. What it cannot read is stale
(None), never 0; the engine decides what stale means.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_ON
from homeassistant.core import HomeAssistant, State

from .const import PAUSE_STOP
from .engine.model import (
    Battery,
    Charger,
    Evse,
    Inverter,
    ModeSetting,
    Phase,
    Session,
    Site,
    Snapshot,
    Switched,
)
from .engine.units import grid_current, parse_number, power_w
from .ocpp_discovery import ConnectorEntities
from .settings import UserSettings
from .site_config import EvseConfig, PlugConfig, SiteConfig

# OCPP 1.6 connector status -> session. SuspendedEVSE is a car we paused: still connected.
_SESSIONS = {
    "Available": Session.NO_CAR,
    "Preparing": Session.CONNECTED,
    "Charging": Session.CHARGING,
    "SuspendedEV": Session.SUSPENDED_EV,
    "SuspendedEVSE": Session.CONNECTED,
    "Finishing": Session.FINISHED,
    "Reserved": Session.NO_CAR,
}
_LINE_KEYS = (("L1", "L1-N"), ("L2", "L2-N"), ("L3", "L3-N"))


def read_snapshot(
    hass: HomeAssistant,
    *,
    config: SiteConfig,
    plugs: list[PlugConfig],
    evses: list[tuple[EvseConfig, ConnectorEntities]],
    settings: UserSettings,
    now: datetime,
    manual: frozenset[str] = frozenset(),
) -> Snapshot:
    """Read every input of the site into a snapshot.

    A plug in `manual` was switched by someone else and is left alone: it takes no part (what
    it draws is the house's).
    """
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
            chargers=_chargers([evse for evse, _ in evses]),
            meter_interval_s=config.meter_interval_s,
        ),
        grid_a=grid,
        grid_age_s=ages,
        loads=(
            *(_plug(hass, plug, settings, plug.id in manual) for plug in plugs),
            *(_evse(hass, evse, entities, settings) for evse, entities in evses),
        ),
        site_mode=settings.charging_mode,
        distribution=settings.distribution,
        solar_w=_power(hass.states.get(config.solar_entity))
        if config.solar_entity
        else None,
        solar_sensor=config.solar_entity is not None,
        battery=_battery(hass, config),
    )


def _power(state: State | None) -> float | None:
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
        power_w=_power(power),
        target_soc=config.battery_target_soc,
        support_soc=config.battery_support_soc,
    )


def _plug(
    hass: HomeAssistant,
    plug: PlugConfig,
    settings: UserSettings,
    manual: bool,
) -> Switched:
    """A plug as the engine sees it.

    One that cannot be switched takes no part (mode off); one whose state is unknown counts as
    off, so its rating is never subtracted from the meter reading.
    """
    state = hass.states.get(plug.switch_entity)
    usable = state is not None and state.state in ("on", "off")
    is_on = state is not None and state.state == STATE_ON
    load_settings = settings.load(plug.id)
    measured = (
        _power(hass.states.get(plug.power_monitor))
        if plug.power_monitor and is_on
        else None
    )
    return Switched(
        id=plug.id,
        wired=plug.phases,
        power_w=plug.power_w,  # its rating; the control remembers what it really draws
        is_on=is_on,
        measured_w=measured,
        mode=load_settings.mode if usable and not manual else ModeSetting.OFF,
        priority=load_settings.priority,
    )


def _chargers(evses: list[EvseConfig]) -> tuple[Charger, ...]:
    """One shared limit per physical charger: the lowest maximum its connectors name."""
    limits: dict[str, float] = {}
    for evse in evses:
        current = limits.get(evse.charge_point_id, evse.charger_max_a)
        limits[evse.charge_point_id] = min(current, evse.charger_max_a)
    return tuple(Charger(id=cp_id, max_a=max_a) for cp_id, max_a in limits.items())


def _evse(
    hass: HomeAssistant,
    evse: EvseConfig,
    entities: ConnectorEntities,
    settings: UserSettings,
) -> Evse:
    """A charger connector as the engine sees it.

    A connector whose status is unknown (charger offline, faulted) takes no part. Per-line
    currents come from the Current.Import sensor's L1/L2/L3 attributes; without them its value
    is taken as the current of every line in use.
    """
    status = hass.states.get(entities.status) if entities.status else None
    session = _SESSIONS.get(status.state) if status is not None else None
    if session is Session.FINISHED and evse.pause_mode == PAUSE_STOP:
        # After we stop a transaction to pause, the car stays plugged in: a remote start
        # resumes it.
        session = Session.CONNECTED
    load_settings = settings.load(evse.id)
    current = (
        hass.states.get(entities.current_import) if entities.current_import else None
    )
    return Evse(
        id=evse.id,
        wired=evse.wired,
        min_a=evse.min_a,
        max_a=evse.max_a,
        failsafe_a=evse.failsafe_a,
        line_a=_line_currents(current, len(evse.wired)),
        session=session or Session.NO_CAR,
        mode=load_settings.mode if session is not None else ModeSetting.OFF,
        priority=load_settings.priority,
        charger=evse.charge_point_id,
        command_lifetime_s=evse.profile_validity_s,
        current_step_a=evse.current_step_a,
        car_lines=evse.car_lines,
    )


def _line_currents(state: State | None, lines: int) -> tuple[float | None, ...]:
    """Per-line currents from the L1/L2/L3 attributes, else the state on every line.

    The OCPP integration sets the state to 0 when a transaction stops or is suspended but
    leaves the per-line attributes at their last values: a 0 state wins.
    """
    if state is None:
        return (None,) * lines
    value = parse_number(state.state)
    if value == 0:
        return (0.0,) * lines
    per_line = [
        next(
            (parse_number(state.attributes[k]) for k in keys if k in state.attributes),
            None,
        )
        for keys in _LINE_KEYS[:lines]
    ]
    if any(amps is not None for amps in per_line):
        return tuple(per_line)
    return (value,) * lines

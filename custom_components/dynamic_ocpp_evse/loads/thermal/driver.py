"""A thermal load at run time: its temperature and heater read into an engine load.

A boost is wanted while the store is below its boost temperature; once there it is not wanted
again until it has cooled by the hysteresis. A temperature that cannot be read ends the boost
(the engine then sees the load off, and its actuator puts the normal level back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    STATE_OFF,
    STATE_ON,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import TemperatureConverter

from ...const import LOGGER
from ...engine.boost import BoostBand
from ...engine.model import Charger, ModeSetting, Switched
from ...engine.units import parse_number
from ...inputs import power_of
from ...settings import LoadSettings
from ..kind import EntityLoads
from ..plug.switch import SwitchActuator
from .climate import ClimateActuator, direction, restore_user_setpoint
from .config import CLIMATE, SWITCH, WATER_HEATER, ThermalConfig
from .setpoint import SetpointActuator, restore_normal, usable

_UNITS = {unit.value for unit in UnitOfTemperature}


class BoostSwitch(SwitchActuator):
    """A switch that adds the boost (the device keeps its normal level by itself)."""

    async def async_removed(self) -> None:
        """The load was removed: the boost off (never raises)."""
        await switch_off(self._hass, self._entity_id)


@dataclass(slots=True)
class ThermalDriver:
    """One thermal load: its temperature, its heater, and the boost band between them."""

    config: ThermalConfig
    actuator: SetpointActuator | ClimateActuator | BoostSwitch
    band: BoostBand = field(init=False)
    # What the entities show, as last read: the temperature, and where a boost takes it.
    temperature: float | None = field(init=False, default=None)
    boost_target: float | None = field(init=False, default=None)
    # Stopped by the user: no boost before then.
    no_boost_until: datetime | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        """The band from the configured temperatures."""
        self.band = BoostBand(self.config.ceiling_c, self.config.hysteresis_c)

    @property
    def id(self) -> str:
        """The load's subentry id."""
        return self.config.id

    @property
    def watched(self) -> list[str]:
        """Its heater, temperature sensor and power monitor."""
        return self.config.entities

    @property
    def shared_limit(self) -> Charger | None:
        """A thermal load shares no limit."""
        return None

    @property
    def figures(self) -> Mapping[str, float | None]:
        """Its temperature, and where a boost takes it."""
        return {"temperature": self.temperature, "boost_target": self.boost_target}

    def temperature_c(self, hass: HomeAssistant) -> float | None:
        """The store's temperature in °C (None: not known)."""
        config = self.config
        if config.temperature_sensor is not None:
            state = hass.states.get(config.temperature_sensor)
            if state is None:
                return None
            value = parse_number(state.state)
            unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        else:
            state = hass.states.get(config.heater)
            if not usable(state):
                return None
            assert state is not None
            value = parse_number(state.attributes.get("current_temperature"))
            unit = hass.config.units.temperature_unit
        if value is None or unit not in _UNITS:
            return None
        return TemperatureConverter.convert(value, unit, UnitOfTemperature.CELSIUS)

    def read(self, hass: HomeAssistant, settings: LoadSettings) -> Switched:
        """The boost as the engine sees it: on while the heater shows it.

        One whose heater cannot be told anything, whose temperature is not known, or that
        is at its boost temperature takes no part (the engine then turns the boost off).
        """
        config = self.config
        state = hass.states.get(config.heater)
        temperature = self.temperature_c(hass)
        sign = 1  # the band in degrees of warming (a boost that cools: negated)
        if isinstance(self.actuator, SetpointActuator):
            # A water heater the user switched off is not boosted.
            controllable = (
                usable(state) and state is not None and state.state != STATE_OFF
            )
            is_on = self.actuator.boosted(state)
            if controllable:
                assert state is not None
                # The device stops at its own limit, or a step below ours: so does the boost.
                self.band.ceiling_c = min(
                    config.ceiling_c, self.actuator.setpoint_c(state, boost=True)
                )
        elif isinstance(self.actuator, ClimateActuator):
            sign = direction(state)
            boost_c = self.actuator.boost_setpoint_c(state) if state else None
            controllable = sign != 0 and boost_c is not None
            is_on = self.actuator.boosted(state)
            if controllable:
                assert boost_c is not None
                self.band.ceiling_c = sign * boost_c
        else:
            controllable = state is not None and state.state in (STATE_ON, STATE_OFF)
            is_on = state is not None and state.state == STATE_ON
        wanted = self.band.wants(None if temperature is None else sign * temperature)
        if self.no_boost_until is not None and dt_util.utcnow() < self.no_boost_until:
            wanted = False
        if not controllable:
            self.band.forced = False  # a boost started by hand ends with a device off
        measured = (
            power_of(hass.states.get(config.power_monitor))
            if config.power_monitor and is_on
            else None
        )
        self.temperature = temperature
        self.boost_target = sign * self.band.ceiling_c if controllable else None
        return Switched(
            id=config.id,
            wired=config.phases,
            power_w=config.power_w,
            is_on=is_on,
            measured_w=measured,
            thermal=True,
            min_on_s=config.min_on_s,
            min_off_s=config.min_off_s,
            forced=self.band.forced and wanted and controllable,
            mode=settings.mode
            if controllable and wanted and not self.actuator.manual
            else ModeSetting.OFF,
            priority=settings.priority,
        )

    def start_boost(self) -> None:
        """A boost now, from the grid if need be, until the boost temperature."""
        self.no_boost_until = None
        self.band.forced = True

    def stop_boost(self, duration: timedelta) -> None:
        """No boost for this long, whatever the surplus."""
        self.band.forced = False
        self.no_boost_until = dt_util.utcnow() + duration


class ThermalGroup(EntityLoads[ThermalDriver]):
    """The thermal loads of one site."""

    def __init__(
        self, hass: HomeAssistant, subentries: Mapping[str, ConfigSubentry]
    ) -> None:
        """One driver per thermal subentry."""
        super().__init__(
            [
                ThermalDriver(config, actuator_for(hass, config))
                for config in (
                    ThermalConfig.from_data(subentry_id, subentry.title, subentry.data)
                    for subentry_id, subentry in subentries.items()
                )
            ]
        )


def actuator_for(
    hass: HomeAssistant, config: ThermalConfig
) -> SetpointActuator | ClimateActuator | BoostSwitch:
    """The water heater's or climate device's set-point, or the boost switch."""
    if config.device == WATER_HEATER:
        return SetpointActuator(hass, config)
    if config.device == CLIMATE:
        return ClimateActuator(hass, config)
    return BoostSwitch(hass, config.heater)


async def leave_normal(hass: HomeAssistant, config: ThermalConfig) -> None:
    """A removed load (or a removed site's): its normal level back, never raises."""
    if config.device == WATER_HEATER:
        await restore_normal(hass, config)
    elif config.device == CLIMATE:
        await restore_user_setpoint(hass, config)
    else:
        await switch_off(hass, config.heater)


async def switch_off(hass: HomeAssistant, entity_id: str) -> None:
    """Turn a boost switch off; what fails is logged, not raised."""
    try:
        await hass.services.async_call(
            SWITCH, SERVICE_TURN_OFF, {"entity_id": entity_id}, blocking=True
        )
    except HomeAssistantError as err:
        LOGGER.warning("%s: the boost could not be turned off: %s", entity_id, err)

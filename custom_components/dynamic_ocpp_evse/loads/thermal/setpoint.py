"""A water heater boosted by its set-point: `water_heater.set_temperature`, only on change.

A boost raises the set-point to the boost temperature (never above the maximum nor the
device's own); anything else puts the normal set-point back — when the boost ends, when the
surplus goes, after a restart that finds a boost left over, when the load or its site is
removed. The device heats to its set-point by itself.
"""

from __future__ import annotations

import math

from homeassistant.components.water_heater import ATTR_OPERATION_MODE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    STATE_UNAVAILABLE,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.util.unit_conversion import TemperatureConverter

from ...const import DOMAIN, LOGGER
from ...engine.state import Command
from ...engine.units import parse_number
from ..kind import LoadUnavailable
from .config import WATER_HEATER, ThermalConfig

MISSES_BEFORE_NOT_FOLLOWING = (
    3  # cycles a set-point may show otherwise after being told
)
SETPOINT_TOLERANCE = 0.05


def in_home_units(hass: HomeAssistant, celsius: float) -> float:
    """A temperature in °C in the unit Home Assistant shows and takes."""
    return TemperatureConverter.convert(
        celsius, UnitOfTemperature.CELSIUS, hass.config.units.temperature_unit
    )


def usable(state: State | None) -> bool:
    """Whether the entity can be read and told anything.

    A water heater without operation modes shows 'unknown' as its state: that is usable.
    """
    return state is not None and state.state != STATE_UNAVAILABLE


class SetpointDevice:
    """What a device driven by its set-point shares with another such.

    It is never left alone, and is *not following* once its set-point kept another value for
    a few cycles.
    """

    manual = False

    def __init__(self, hass: HomeAssistant, config: ThermalConfig) -> None:
        """Drive the device `config` names."""
        self._hass = hass
        self._config = config
        self._misses = 0

    @property
    def following(self) -> bool:
        """False once the set-point has kept another value for a few cycles."""
        return self._misses < MISSES_BEFORE_NOT_FOLLOWING

    def release(self) -> None:
        """Nothing is left alone."""

    def command_lost(self) -> None:
        """Nothing to do: the set-point is compared with the command every cycle."""


class SetpointActuator(SetpointDevice):
    """Sets one water heater to its normal or its boost temperature; reads it back.

    A set-point changed by someone else is put back with the next change.
    """

    def boosted(self, state: State | None) -> bool:
        """Whether the device shows the boost set-point."""
        if not usable(state):
            return False
        assert state is not None
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE))
        mode = self._config.boost_operation_mode
        return (
            shown is not None
            and same(shown, self.setpoint(state, boost=True))
            and (mode is None or state.state == mode)
        )

    def setpoint(self, state: State, *, boost: bool) -> float:
        """The set-point to write, in Home Assistant's unit, within the device's limits.

        A boost is rounded down to the device's step (never above the maximum); the normal
        set-point to the nearest.
        """
        config = self._config
        wanted = config.ceiling_c if boost else config.normal_c
        value = in_home_units(self._hass, config.max_c if wanted is None else wanted)
        low = parse_number(state.attributes.get("min_temp"))
        high = parse_number(state.attributes.get("max_temp"))
        step = parse_number(state.attributes.get("target_temp_step")) or 0.5
        if high is not None:
            value = min(value, high)
        if low is not None:
            value = max(value, low)
        steps = value / step
        return (math.floor(steps + 1e-9) if boost else round(steps)) * step

    def setpoint_c(self, state: State, *, boost: bool) -> float:
        """The set-point to write, in °C."""
        return TemperatureConverter.convert(
            self.setpoint(state, boost=boost),
            self._hass.config.units.temperature_unit,
            UnitOfTemperature.CELSIUS,
        )

    async def async_apply(self, command: Command) -> None:
        """Write the set-point the command calls for, when the device shows another."""
        await self.async_set(boost=command.current_a > 0)

    async def async_set(self, *, boost: bool) -> None:
        """Write the boost or the normal set-point, when the device shows another."""
        entity_id = self._config.heater
        state = self._hass.states.get(entity_id)
        if not usable(state):
            raise LoadUnavailable(
                translation_domain=DOMAIN,
                translation_key="heater_unavailable",
                translation_placeholders={"entity_id": entity_id},
            )
        assert state is not None
        mode = self._operation_mode(state, boost=boost)
        wanted = self.setpoint(state, boost=boost)
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE))
        if (shown is not None and same(shown, wanted)) and mode is None:
            self._misses = 0
            return
        self._misses += 1
        if mode is not None:
            await self._hass.services.async_call(
                WATER_HEATER,
                "set_operation_mode",
                {ATTR_ENTITY_ID: entity_id, ATTR_OPERATION_MODE: mode},
                blocking=True,
            )
        if shown is None or not same(shown, wanted):
            await self._hass.services.async_call(
                WATER_HEATER,
                "set_temperature",
                {ATTR_ENTITY_ID: entity_id, ATTR_TEMPERATURE: wanted},
                blocking=True,
            )

    def _operation_mode(self, state: State, *, boost: bool) -> str | None:
        """The operation mode to set, if the device shows another.

        A boost's, when configured; the normal one only where a boost of ours is left (the
        device shows our boost set-point in the boost's mode): a mode the user chose, or off,
        is theirs.
        """
        config = self._config
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE))
        ours = shown is not None and same(shown, self.setpoint(state, boost=True))
        if boost:
            wanted = config.boost_operation_mode
        elif ours and state.state == config.boost_operation_mode:
            wanted = config.normal_operation_mode
        else:
            wanted = None
        return wanted if wanted is not None and state.state != wanted else None

    async def async_removed(self) -> None:
        """The load was removed: its normal set-point back (never raises)."""
        await restore_normal(self._hass, self._config)


async def restore_normal(hass: HomeAssistant, config: ThermalConfig) -> None:
    """Put a water heater back to its normal set-point; what fails is logged, not raised."""
    try:
        await SetpointActuator(hass, config).async_set(boost=False)
    except Exception as err:  # noqa: BLE001 - whatever the device says, the rest goes on
        LOGGER.warning(
            "%s: its normal set-point could not be restored: %s", config.name, err
        )


def same(a: float, b: float) -> bool:
    """Whether two set-points are one (as a device shows what it was told)."""
    return abs(a - b) < SETPOINT_TOLERANCE

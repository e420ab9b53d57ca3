"""A heat pump or air conditioner nudged by its set-point: `climate.set_temperature`.

A boost moves the user's own set-point by the offset: up in heat mode (pre-heat), down in cool
mode (pre-cool); in any other HVAC mode, or on a device that takes a range, there is none. The
boost set-point stays within the device's limits and step and, heating, the maximum. The user's
set-point is remembered (across restarts) before the boost is written and put back when the
boost ends; one the user sets during a boost becomes theirs, and the boost follows it.
"""

from __future__ import annotations

import math

from homeassistant.components.climate.const import HVACMode
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant, State
from homeassistant.util.unit_conversion import TemperatureConverter

from ...const import DOMAIN, LOGGER
from ...engine.state import Command
from ...engine.units import parse_number
from ..kind import LoadUnavailable
from .config import CLIMATE, ThermalConfig
from .memory import Boosted, SetpointMemory, async_get_memory
from .setpoint import SetpointDevice, in_home_units, same, usable

_DIRECTIONS: dict[str, int] = {HVACMode.HEAT.value: 1, HVACMode.COOL.value: -1}


def direction(state: State | None) -> int:
    """+1 heating, -1 cooling, 0 when a boost means nothing (off, auto, a range)."""
    if not usable(state):
        return 0
    assert state is not None
    if parse_number(state.attributes.get(ATTR_TEMPERATURE)) is None:
        return 0  # off, or a device that keeps a range
    return _DIRECTIONS.get(state.state, 0)


class ClimateActuator(SetpointDevice):
    """Moves one climate device's set-point by the boost offset, and back.

    A set-point the user changes is theirs: the boost follows it.
    """

    def __init__(self, hass: HomeAssistant, config: ThermalConfig) -> None:
        """Drive the climate device `config` names."""
        super().__init__(hass, config)
        self._memory: SetpointMemory | None = None  # read with the first command

    def boosted(self, state: State | None) -> bool:
        """Whether the device shows the boost we wrote."""
        boost = self._memory.get(self._config.heater) if self._memory else None
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE)) if state else None
        # As the device keeps it: rounded its own way until the next command takes that.
        return (
            state is not None
            and boost is not None
            and shown is not None
            and self._near(state, shown, boost.boost)
        )

    def boost_setpoint_c(self, state: State) -> float | None:
        """Where a boost would set the device now, in °C (None: no boost possible)."""
        setpoint = self._boost_setpoint(state)
        if setpoint is None:
            return None
        return TemperatureConverter.convert(
            setpoint,
            self._hass.config.units.temperature_unit,
            UnitOfTemperature.CELSIUS,
        )

    def _user_setpoint(self, state: State) -> float | None:
        """The user's set-point: the one under our boost, or the one shown."""
        boost = self._memory.get(self._config.heater) if self._memory else None
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE))
        if (
            boost is not None
            and shown is not None
            and self._near(state, shown, boost.boost)
        ):
            return boost.normal
        return shown

    def _boost_setpoint(self, state: State) -> float | None:
        """The user's set-point moved by the offset, within the limits, rounded towards it."""
        sign = direction(state)
        normal = self._user_setpoint(state)
        if sign == 0 or normal is None or self._config.boost_offset_k is None:
            return None
        unit = self._hass.config.units.temperature_unit
        offset = TemperatureConverter.convert_interval(
            self._config.boost_offset_k, UnitOfTemperature.CELSIUS, unit
        )
        value = normal + sign * offset
        if sign > 0:
            value = min(value, in_home_units(self._hass, self._config.max_c))
        low = parse_number(state.attributes.get("min_temp"))
        high = parse_number(state.attributes.get("max_temp"))
        if high is not None:
            value = min(value, high)
        if low is not None:
            value = max(value, low)
        step = self._step(state)
        steps = value / step + sign * 1e-9  # towards the user's set-point
        value = (math.floor(steps) if sign > 0 else math.ceil(steps)) * step
        return value if sign * (value - normal) > 0 else None

    async def async_apply(self, command: Command) -> None:
        """Boost or put the user's set-point back, as the command says."""
        await self.async_set(boost=command.current_a > 0)

    async def async_set(self, *, boost: bool) -> None:
        """Write the boost or the user's set-point, when the device shows another."""
        entity_id = self._config.heater
        memory = self._memory = self._memory or await async_get_memory(self._hass)
        state = self._hass.states.get(entity_id)
        if not usable(state):
            raise LoadUnavailable(
                translation_domain=DOMAIN,
                translation_key="heater_unavailable",
                translation_placeholders={"entity_id": entity_id},
            )
        assert state is not None
        shown = parse_number(state.attributes.get(ATTR_TEMPERATURE))
        if shown is None:
            return  # off, or keeping a range: nothing to boost, the memory kept for later
        remembered = memory.get(entity_id)
        if remembered is not None and not same(shown, remembered.boost):
            if self._near(state, shown, remembered.boost):
                # The device took our boost rounded its own way: that is the boost.
                remembered = Boosted(remembered.normal, shown)
                await memory.async_remember(entity_id, remembered)
            else:
                # Put back, or set by someone else since: theirs now.
                await memory.async_forget(entity_id)
                remembered = None
        target = self._boost_setpoint(state) if boost else None
        if target is not None:
            if remembered is not None and self._near(state, remembered.boost, target):
                target = remembered.boost  # as the device keeps it
            else:
                normal = remembered.normal if remembered else shown
                await memory.async_remember(entity_id, Boosted(normal, target))
            await self._write(shown, target)
        elif remembered is not None:
            await self._write(shown, remembered.normal)
            # Forgotten once the device shows it (now, or at a later cycle).
            after = self._hass.states.get(entity_id)
            now_shown = (
                parse_number(after.attributes.get(ATTR_TEMPERATURE)) if after else None
            )
            if now_shown is not None and same(now_shown, remembered.normal):
                await memory.async_forget(entity_id)

    def _near(self, state: State, a: float, b: float) -> bool:
        """Within one of the device's steps (at least half a degree): its rounding."""
        return abs(a - b) <= max(self._step(state), 0.5) + 1e-6

    def _step(self, state: State) -> float:
        """The device's set-point step in Home Assistant's unit (0.5 when it names none)."""
        return parse_number(state.attributes.get("target_temp_step")) or 0.5

    async def _write(self, shown: float | None, wanted: float) -> None:
        if shown is not None and same(shown, wanted):
            self._misses = 0
            return
        self._misses += 1
        await self._hass.services.async_call(
            CLIMATE,
            "set_temperature",
            {ATTR_ENTITY_ID: self._config.heater, ATTR_TEMPERATURE: wanted},
            blocking=True,
        )

    async def async_removed(self) -> None:
        """The load was removed: the user's set-point back (never raises)."""
        await restore_user_setpoint(self._hass, self._config)


async def restore_user_setpoint(hass: HomeAssistant, config: ThermalConfig) -> None:
    """Put a boosted climate device back to the user's set-point; failures are logged."""
    try:
        await ClimateActuator(hass, config).async_set(boost=False)
    except Exception as err:  # noqa: BLE001 - whatever the device says, the rest goes on
        LOGGER.warning("%s: its set-point could not be put back: %s", config.name, err)

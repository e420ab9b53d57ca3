"""Add or change a thermal load (a subentry of the site)."""

from __future__ import annotations

from typing import Any

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, UnitOfTemperature
from homeassistant.helpers import selector
import voluptuous as vol

from ...engine.units import parse_number
from ...flow_checks import number_field
from ..modes import BOOST_MODES
from ..on_off_flow import OwnEntityFlow
from ..plug.flow import power_errors, power_fields
from .config import (
    CLIMATE,
    CONF_BOOST_OFFSET,
    CONF_BOOST_OPERATION_MODE,
    CONF_BOOST_TEMPERATURE,
    CONF_HEATER,
    CONF_HYSTERESIS,
    CONF_MAX_TEMPERATURE,
    CONF_MIN_OFF_TIME,
    CONF_MIN_ON_TIME,
    CONF_NORMAL_OPERATION_MODE,
    CONF_NORMAL_TEMPERATURE,
    CONF_TEMPERATURE_SENSOR,
    DEFAULT_HYSTERESIS,
    SWITCH,
    WATER_HEATER,
)

_TEMPERATURE_UNITS = {unit.value for unit in UnitOfTemperature}
_OPERATION_MODES = (CONF_NORMAL_OPERATION_MODE, CONF_BOOST_OPERATION_MODE)


def _degrees(low: float, high: float, step: float = 0.5) -> selector.NumberSelector:
    return number_field(low, high, UnitOfTemperature.CELSIUS, step)


def _kelvin(low: float, high: float) -> selector.NumberSelector:
    return number_field(low, high, UnitOfTemperature.KELVIN, 0.5)


class ThermalSubentryFlow(OwnEntityFlow):
    """Add or change a hot-water tank or heated store."""

    modes = BOOST_MODES
    driven_key = CONF_HEATER

    def form(self, phases: list[str]) -> dict[vol.Marker, Any]:
        """Heater, temperatures, power and phases."""
        return {
            vol.Required(CONF_HEATER): selector.EntitySelector(
                selector.EntitySelectorConfig(domain=[WATER_HEATER, CLIMATE, SWITCH])
            ),
            vol.Optional(CONF_TEMPERATURE_SENSOR): selector.EntitySelector(
                selector.EntitySelectorConfig(
                    domain="sensor", device_class="temperature"
                )
            ),
            vol.Optional(CONF_NORMAL_TEMPERATURE, default=45): _degrees(5, 95),
            vol.Required(CONF_BOOST_TEMPERATURE, default=65): _degrees(5, 95),
            vol.Required(CONF_BOOST_OFFSET, default=1.5): _kelvin(0.5, 5),
            vol.Optional(CONF_NORMAL_OPERATION_MODE): selector.TextSelector(),
            vol.Optional(CONF_BOOST_OPERATION_MODE): selector.TextSelector(),
            vol.Required(CONF_MAX_TEMPERATURE, default=70): _degrees(5, 95),
            vol.Required(CONF_HYSTERESIS, default=DEFAULT_HYSTERESIS): _degrees(
                0.5, 20
            ),
            **power_fields(phases),
            vol.Required(CONF_MIN_ON_TIME, default=0): number_field(0, 3600, "s"),
            vol.Required(CONF_MIN_OFF_TIME, default=0): number_field(0, 3600, "s"),
        }

    def kept(self, data: dict[str, Any]) -> dict[str, Any]:
        """Only the fields its device uses (a climate device: the offset, no temperatures)."""
        device = data[CONF_HEATER].split(".", 1)[0]
        dropped = {
            WATER_HEATER: (CONF_BOOST_OFFSET,),
            CLIMATE: (
                CONF_BOOST_TEMPERATURE,
                CONF_NORMAL_TEMPERATURE,
                *_OPERATION_MODES,
            ),
        }.get(device, (CONF_BOOST_OFFSET, *_OPERATION_MODES))
        return {
            key: value
            for key, value in data.items()
            if key not in dropped and value not in (None, "")
        }

    def check(self, user_input: dict[str, Any]) -> dict[str, str]:
        """A temperature to go by; boost above normal, within the maximum."""
        errors = power_errors(self.hass, user_input)
        heater = user_input[CONF_HEATER]
        sensor = user_input.get(CONF_TEMPERATURE_SENSOR)
        if sensor:
            state = self.hass.states.get(sensor)
            if state is None:
                errors[CONF_TEMPERATURE_SENSOR] = "entity_not_found"
            elif state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in (
                _TEMPERATURE_UNITS
            ):
                errors[CONF_TEMPERATURE_SENSOR] = "not_temperature"
        elif heater.startswith(f"{SWITCH}."):
            errors[CONF_TEMPERATURE_SENSOR] = "temperature_needed"
        if heater.startswith(f"{WATER_HEATER}."):
            state = self.hass.states.get(heater)
            offered = state.attributes.get("operation_list") or [] if state else []
            for key in _OPERATION_MODES:
                if user_input.get(key) and user_input[key] not in offered:
                    errors[key] = "unknown_operation_mode"
            if user_input.get(CONF_BOOST_OPERATION_MODE) and not user_input.get(
                CONF_NORMAL_OPERATION_MODE
            ):
                errors.setdefault(CONF_NORMAL_OPERATION_MODE, "normal_mode_needed")
        if heater.startswith(f"{CLIMATE}."):
            return errors  # its own set-point and the offset: any maximum will do
        boost = float(user_input[CONF_BOOST_TEMPERATURE])
        normal = parse_number(user_input.get(CONF_NORMAL_TEMPERATURE))
        if boost > float(user_input[CONF_MAX_TEMPERATURE]):
            errors[CONF_BOOST_TEMPERATURE] = "boost_above_maximum"
        elif normal is not None and normal >= boost:
            errors[CONF_BOOST_TEMPERATURE] = "boost_not_above_normal"
        return errors

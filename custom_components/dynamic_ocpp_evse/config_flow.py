"""Config flows: the site (user, reconfigure) and its loads as subentries (plug)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    CONF_NAME,
    PERCENTAGE,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, selector
import voluptuous as vol

from .const import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_MODE,
    CONF_PHASES,
    CONF_POWER,
    CONF_POWER_MONITOR,
    CONF_PRIORITY,
    CONF_SOLAR,
    CONF_SWITCH,
    CONF_VOLTAGE,
    DEFAULT_BREAKER,
    DEFAULT_NAME,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    DOMAIN,
    SUBENTRY_PLUG,
)
from .engine.model import ModeSetting
from .engine.units import GRID_UNITS, Quantity, parse_number, quantity_of
from .suggest import suggest_site_entities

_SENSOR = selector.EntitySelector(selector.EntitySelectorConfig(domain="sensor"))


def _number(
    minimum: float, maximum: float, unit: str, step: float = 1
) -> selector.NumberSelector:
    return selector.NumberSelector(
        selector.NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=selector.NumberSelectorMode.BOX,
        )
    )


def _site_schema() -> vol.Schema:
    meter_a, meter_b, meter_c = CONF_GRID_METERS
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=DEFAULT_NAME): selector.TextSelector(),
            vol.Required(meter_a): _SENSOR,
            vol.Optional(meter_b): _SENSOR,
            vol.Optional(meter_c): _SENSOR,
            vol.Required(CONF_INVERT_GRID, default=False): selector.BooleanSelector(),
            vol.Required(CONF_BREAKER, default=DEFAULT_BREAKER): _number(1, 1000, "A"),
            vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): _number(100, 480, "V"),
            vol.Optional(CONF_SOLAR): _SENSOR,
            vol.Optional(CONF_BATTERY_SOC): _SENSOR,
            vol.Optional(CONF_BATTERY_POWER): _SENSOR,
            vol.Required(CONF_BATTERY_TARGET_SOC, default=DEFAULT_TARGET_SOC): _number(
                0, 100, "%"
            ),
            vol.Required(
                CONF_BATTERY_SUPPORT_SOC, default=DEFAULT_SUPPORT_SOC
            ): _number(0, 100, "%"),
            vol.Optional(CONF_INVERTER_MAX_POWER): _number(0, 1_000_000, "W", 50),
        }
    )


_POWER_UNITS = frozenset(u for u in GRID_UNITS if quantity_of(u) is Quantity.POWER)


def _entity_error(
    hass: HomeAssistant, entity_id: str, units: frozenset[str]
) -> str | None:
    """The error key for an input entity, or None when it can be used.

    A reading that is unavailable right now is accepted: the meter is still the right one.
    """
    state = hass.states.get(entity_id)
    if state is None:
        return "entity_not_found"
    if state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in units:
        return "unsupported_unit"
    if (
        state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
        and parse_number(state.state) is None
    ):
        return "not_numeric"
    return None


def validate_site(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Per-field error keys for the site form."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for key in CONF_GRID_METERS:
        entity_id = user_input.get(key)
        if not entity_id:
            continue
        if entity_id in seen:
            errors[key] = "duplicate_meter"
        elif error := _entity_error(hass, entity_id, GRID_UNITS):
            errors[key] = error
        seen.add(entity_id)
    expected = {
        CONF_SOLAR: _POWER_UNITS,
        CONF_BATTERY_POWER: _POWER_UNITS,
        CONF_BATTERY_SOC: frozenset({PERCENTAGE}),
    }
    for key, wanted in expected.items():
        if (entity_id := user_input.get(key)) and (
            error := _entity_error(hass, entity_id, wanted)
        ):
            errors[key] = error
    if user_input.get(CONF_BATTERY_SOC) and not user_input.get(CONF_BATTERY_POWER):
        errors[CONF_BATTERY_POWER] = "battery_power_required"
    return errors


class DynamicOcppEvseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create a site: the grid connection every load of it shares."""

    VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """The kinds of load a site can have."""
        return {SUBENTRY_PLUG: PlugSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the site's grid connection."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                await self.async_set_unique_id(
                    _registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
                )
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=user_input[CONF_NAME], data=user_input
                )
        suggested = (
            user_input if user_input is not None else suggest_site_entities(self.hass)
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_site_schema(), suggested),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site's meters and limits."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                await self.async_set_unique_id(
                    _registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
                )
                self._abort_if_unique_id_mismatch(reason="different_site")
                # The update listener reloads the site; the flow must not reload it too.
                self.hass.config_entries.async_update_entry(
                    entry, title=user_input[CONF_NAME], data=user_input
                )
                return self.async_abort(reason="reconfigure_successful")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _site_schema(),
                user_input if user_input is not None else dict(entry.data),
            ),
            errors=errors,
        )


def _registry_id(hass: HomeAssistant, entity_id: str) -> str:
    """An entity's registry id, which survives renames (its entity id when unregistered)."""
    entry = er.async_get(hass).async_get(entity_id)
    return entry.id if entry else entity_id


def _site_phases(entry: ConfigEntry) -> list[str]:
    return [key[-1].upper() for key in CONF_GRID_METERS if entry.data.get(key)]


def _plug_schema(phases: list[str], *, new: bool) -> vol.Schema:
    schema: dict[vol.Marker, Any] = {
        vol.Required(CONF_NAME): selector.TextSelector(),
        vol.Required(CONF_SWITCH): selector.EntitySelector(
            selector.EntitySelectorConfig(domain="switch")
        ),
        vol.Required(CONF_POWER): _number(1, 50_000, "W"),
        vol.Optional(CONF_POWER_MONITOR): _SENSOR,
        vol.Required(CONF_PHASES, default=phases[:1]): selector.SelectSelector(
            selector.SelectSelectorConfig(options=phases, multiple=True)
        ),
    }
    if new:
        schema[vol.Required(CONF_MODE, default=ModeSetting.FOLLOW_SITE.value)] = (
            selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[mode.value for mode in ModeSetting],
                    translation_key="operating_mode",
                )
            )
        )
        schema[vol.Required(CONF_PRIORITY, default=1)] = _number(1, 99, "")
    return vol.Schema(schema)


class PlugSubentryFlow(ConfigSubentryFlow):
    """Add or change a smart plug or relay."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Describe a new plug."""
        return await self._async_step(user_input, step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a plug (its mode and priority are changed on its device page)."""
        return await self._async_step(user_input, step_id="reconfigure")

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        phases = _site_phases(entry)
        new = step_id == "user"
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._validate(entry, user_input, phases)
            if not errors:
                data = {
                    key: value for key, value in user_input.items() if key != CONF_NAME
                }
                if CONF_PRIORITY in data:
                    data[CONF_PRIORITY] = int(data[CONF_PRIORITY])
                unique_id = _registry_id(self.hass, user_input[CONF_SWITCH])
                if new:
                    return self.async_create_entry(
                        title=user_input[CONF_NAME], data=data, unique_id=unique_id
                    )
                subentry = self._get_reconfigure_subentry()
                return self.async_update_and_abort(
                    entry,
                    subentry,
                    title=user_input[CONF_NAME],
                    data=subentry.data | data,
                    unique_id=unique_id,
                )
        suggested = user_input
        if suggested is None and not new:
            subentry = self._get_reconfigure_subentry()
            suggested = {CONF_NAME: subentry.title, **subentry.data}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _plug_schema(phases, new=new), suggested
            ),
            errors=errors,
        )

    def _validate(
        self, entry: ConfigEntry, user_input: dict[str, Any], phases: list[str]
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        switch = user_input[CONF_SWITCH]
        own = None if self.source == "user" else self._reconfigure_subentry_id
        if self.hass.states.get(switch) is None:
            errors[CONF_SWITCH] = "entity_not_found"
        elif _managed_elsewhere(self.hass, switch, own):
            errors[CONF_SWITCH] = "already_managed"
        monitor = user_input.get(CONF_POWER_MONITOR)
        if monitor and (error := _entity_error(self.hass, monitor, _POWER_UNITS)):
            errors[CONF_POWER_MONITOR] = error
        if not user_input.get(
            CONF_PHASES
        ):  # the selector offers only the site's phases
            errors[CONF_PHASES] = "no_phase"
        return errors


def _managed_elsewhere(
    hass: HomeAssistant, switch: str, own_subentry: str | None
) -> bool:
    """Whether another load of any site already drives this switch."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry_id, subentry in entry.subentries.items():
            if subentry_id != own_subentry and subentry.data.get(CONF_SWITCH) == switch:
                return True
    return False

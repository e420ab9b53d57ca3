"""Config flows: the site (user, reconfigure) and its loads as subentries (plug)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
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
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, selector
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import (
    CAR_PHASES_AUTO,
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_BREAKER_TYPE,
    CONF_CAR_PHASES,
    CONF_CHARGE_POINT,
    CONF_CHARGER_MAX_CURRENT,
    CONF_CONNECTOR,
    CONF_CURRENT_STEP,
    CONF_FAILSAFE_CURRENT,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_MAX_CURRENT,
    CONF_METER_INTERVAL,
    CONF_MIN_CURRENT,
    CONF_MODE,
    CONF_PAUSE_MODE,
    CONF_PHASES,
    CONF_POWER,
    CONF_POWER_MONITOR,
    CONF_PRIORITY,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_SOLAR,
    CONF_STACK_LEVEL,
    CONF_SWITCH,
    CONF_VOLTAGE,
    CONF_WIRING,
    DEFAULT_BREAKER,
    DEFAULT_BREAKER_TYPE,
    DEFAULT_CURRENT_STEP,
    DEFAULT_METER_INTERVAL,
    DEFAULT_NAME,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    DOMAIN,
    LOGGER,
    OCPP_DOMAIN,
    PAUSE_STOP,
    PAUSE_ZERO,
    SUBENTRY_EVSE,
    SUBENTRY_PLUG,
)
from .engine.breaker import BreakerType
from .engine.model import ModeSetting
from .engine.units import GRID_UNITS, Quantity, parse_number, quantity_of
from .flow_checks import form_errors
from .ocpp_discovery import OcppCharger, find_chargers
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
            vol.Required(CONF_METER_INTERVAL, default=DEFAULT_METER_INTERVAL): _number(
                1, 3600, "s"
            ),
            vol.Required(CONF_BREAKER, default=DEFAULT_BREAKER): _number(1, 1000, "A"),
            vol.Required(
                CONF_BREAKER_TYPE, default=DEFAULT_BREAKER_TYPE
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[kind.value for kind in BreakerType],
                    translation_key="breaker_type",
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
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
    errors = form_errors(hass, _site_schema(), user_input)
    seen: set[str] = set()
    for key in CONF_GRID_METERS:
        entity_id = user_input.get(key)
        if not entity_id or key in errors:
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
        if (
            (entity_id := user_input.get(key))
            and key not in errors
            and (error := _entity_error(hass, entity_id, wanted))
        ):
            errors[key] = error
    if user_input.get(CONF_BATTERY_SOC) and not user_input.get(CONF_BATTERY_POWER):
        errors[CONF_BATTERY_POWER] = "battery_power_required"
    return errors


class DynamicOcppEvseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create a site: the grid connection every load of it shares."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no warning given."""
        self._warned: frozenset[tuple[str, float]] = frozenset()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """The kinds of load a site can have."""
        return {SUBENTRY_PLUG: PlugSubentryFlow, SUBENTRY_EVSE: EvseSubentryFlow}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the site's grid connection."""
        errors: dict[str, str] = {}
        quiet = ""
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
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
            description_placeholders={"quiet": quiet},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site's meters and limits."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        quiet = ""
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
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
            description_placeholders={"quiet": quiet},
        )

    def _quiet_meters(self, user_input: dict[str, Any]) -> tuple[dict[str, str], str]:
        """Warn once about meters that have not reported within the interval.

        The same choice submitted again is taken as it is: the meter may report only on
        change, and the user was told what that means.
        """
        interval = float(user_input.get(CONF_METER_INTERVAL, DEFAULT_METER_INTERVAL))
        now = dt_util.utcnow()
        quiet: dict[str, float] = {}
        for key in CONF_GRID_METERS:
            state = self.hass.states.get(user_input.get(key) or "")
            if state is None:
                continue
            age = (now - state.last_reported).total_seconds()
            if age > interval:
                quiet[key] = age
        choice = frozenset((user_input[k], interval) for k in quiet)
        if not quiet or choice == self._warned:
            return {}, ""
        self._warned = choice
        text = "; ".join(
            f"{user_input[key]} last reported {age:.0f} s ago"
            for key, age in quiet.items()
        )
        return dict.fromkeys(quiet, "meter_quiet"), (
            f"\n\n**{text}**, longer than the meter update interval ({interval:g} s)."
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
            errors = self._validate(user_input)
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

    def _validate(self, user_input: dict[str, Any]) -> dict[str, str]:
        phases = _site_phases(self._get_entry())
        errors = form_errors(
            self.hass, _plug_schema(phases, new=self.source == "user"), user_input
        )
        if errors:
            return errors
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


# --- chargers (OCPP) ------------------------------------------------------------------------

AUTO = "auto"
_RATE_UNITS = [AUTO, "A", "W"]
NO_LINE = "none"


def _evse_schema(
    phases: list[str], chargers: dict[str, OcppCharger], *, new: bool
) -> vol.Schema:
    line_options = [*phases, NO_LINE]
    schema: dict[vol.Marker, Any] = {vol.Required(CONF_NAME): selector.TextSelector()}
    if new:
        schema[vol.Required(CONF_CHARGE_POINT)] = selector.SelectSelector(
            selector.SelectSelectorConfig(
                options=[
                    selector.SelectOptionDict(
                        value=cp_id,
                        label=charger.name
                        if charger.name == cp_id
                        else f"{charger.name} ({cp_id})",
                    )
                    for cp_id, charger in chargers.items()
                ]
            )
        )
        schema[vol.Required(CONF_CONNECTOR, default=1)] = _number(1, 10, "")
    schema.update(
        {
            vol.Required(CONF_MIN_CURRENT, default=6): _number(0, 80, "A", 0.1),
            vol.Required(CONF_MAX_CURRENT, default=16): _number(1, 80, "A", 0.1),
            vol.Required(CONF_CURRENT_STEP, default=DEFAULT_CURRENT_STEP): _number(
                0.1, 10, "A", 0.1
            ),
            vol.Required(CONF_CHARGER_MAX_CURRENT, default=32): _number(
                1, 250, "A", 0.1
            ),
            vol.Required(CONF_WIRING[0], default=phases[0]): selector.SelectSelector(
                selector.SelectSelectorConfig(options=phases)
            ),
            vol.Required(
                CONF_WIRING[1], default=phases[1] if len(phases) > 1 else NO_LINE
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(options=line_options)
            ),
            vol.Required(
                CONF_WIRING[2], default=phases[2] if len(phases) > 2 else NO_LINE
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(options=line_options)
            ),
            vol.Required(CONF_RATE_UNIT, default=AUTO): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=_RATE_UNITS, translation_key="rate_unit"
                )
            ),
            vol.Required(CONF_STACK_LEVEL, default=0): _number(0, 99, ""),
            vol.Required(CONF_PROFILE_VALIDITY, default=180): _number(30, 3600, "s"),
            vol.Required(CONF_FAILSAFE_CURRENT, default=6): _number(0, 80, "A", 0.1),
            vol.Required(CONF_PAUSE_MODE, default=PAUSE_ZERO): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[PAUSE_ZERO, PAUSE_STOP], translation_key="pause_mode"
                )
            ),
            vol.Required(
                CONF_CAR_PHASES, default=CAR_PHASES_AUTO
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[CAR_PHASES_AUTO, "1", "3"], translation_key="car_phases"
                )
            ),
        }
    )
    return vol.Schema(schema)


class EvseSubentryFlow(ConfigSubentryFlow):
    """Add or change one connector of a charger connected through the OCPP integration."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Pick a charger the OCPP integration knows and describe its connector."""
        if not any(
            entry.state is ConfigEntryState.LOADED
            for entry in self.hass.config_entries.async_entries(OCPP_DOMAIN)
        ):
            return self.async_abort(reason="ocpp_not_loaded")
        if not find_chargers(self.hass):
            return self.async_abort(reason="no_chargers")
        return await self._async_step(user_input, step_id="user")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a connector (its charger and connector number stay)."""
        return await self._async_step(user_input, step_id="reconfigure")

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        new = step_id == "user"
        chargers = find_chargers(self.hass)
        schema = _evse_schema(_site_phases(entry), chargers, new=new)
        errors = form_errors(self.hass, schema, user_input) if user_input else {}
        if user_input is not None and not errors:
            data = dict(user_input)
            name = data.pop(CONF_NAME)
            if not new:
                subentry = self._get_reconfigure_subentry()
                data = {
                    CONF_CHARGE_POINT: subentry.data[CONF_CHARGE_POINT],
                    CONF_CONNECTOR: subentry.data[CONF_CONNECTOR],
                    **data,
                }
            data[CONF_CONNECTOR] = int(data[CONF_CONNECTOR])
            data[CONF_STACK_LEVEL] = int(data[CONF_STACK_LEVEL])
            for key in CONF_WIRING:
                if data.get(key) == NO_LINE:
                    data[key] = None
            errors = _validate_evse(
                self.hass,
                data,
                chargers.get(data[CONF_CHARGE_POINT]),
                None if new else self._reconfigure_subentry_id,
            )
            if not errors:
                errors = await _detect(
                    self.hass, data, chargers.get(data[CONF_CHARGE_POINT])
                )
            if errors.get(CONF_RATE_UNIT) == "unit_unknown":
                user_input = {**user_input, CONF_RATE_UNIT: "A"}  # the likely answer
            if not errors:
                unique_id = f"{data[CONF_CHARGE_POINT]}:{data[CONF_CONNECTOR]}"
                if new:
                    return self.async_create_entry(
                        title=name, data=data, unique_id=unique_id
                    )
                return self.async_update_and_abort(
                    entry, self._get_reconfigure_subentry(), title=name, data=data
                )
        suggested = user_input
        if suggested is None and not new:
            subentry = self._get_reconfigure_subentry()
            suggested = {
                CONF_NAME: subentry.title,
                **{
                    k: (v if v is not None else NO_LINE)
                    for k, v in subentry.data.items()
                },
            }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )


def _validate_evse(
    hass: HomeAssistant,
    data: dict[str, Any],
    charger: OcppCharger | None,
    own_subentry: str | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if charger is not None and data[CONF_CONNECTOR] > charger.connectors:
        errors[CONF_CONNECTOR] = "no_such_connector"
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry_id, subentry in entry.subentries.items():
            same = subentry.data.get(CONF_CHARGE_POINT) == data[CONF_CHARGE_POINT] and (
                subentry.data.get(CONF_CONNECTOR) == data[CONF_CONNECTOR]
            )
            if same and subentry_id != own_subentry:
                errors[CONF_CHARGE_POINT] = "already_added"
    if data[CONF_MIN_CURRENT] > data[CONF_MAX_CURRENT]:
        errors[CONF_MIN_CURRENT] = "min_above_max"
    failsafe = data[CONF_FAILSAFE_CURRENT]
    if (
        failsafe != 0
        and not data[CONF_MIN_CURRENT] <= failsafe <= data[CONF_MAX_CURRENT]
    ):
        errors[CONF_FAILSAFE_CURRENT] = "failsafe_out_of_range"
    if data[CONF_MAX_CURRENT] > data[CONF_CHARGER_MAX_CURRENT]:
        errors[CONF_MAX_CURRENT] = "above_charger_max"
    if data.get(CONF_PAUSE_MODE) == PAUSE_STOP and (
        charger is None or not charger.connector(data[CONF_CONNECTOR]).charge_control
    ):
        errors[CONF_PAUSE_MODE] = "no_charge_control"
    return errors


async def _detect(
    hass: HomeAssistant, data: dict[str, Any], charger: OcppCharger | None
) -> dict[str, str]:
    """Fill in the rate unit and stack level the charger reports.

    A field that cannot be detected is an error the user answers by choosing it. A charger
    that is not connected is not asked: the OCPP integration would ask another one instead.
    """
    errors: dict[str, str] = {}
    wanted = [
        key
        for key, auto in ((CONF_RATE_UNIT, AUTO), (CONF_STACK_LEVEL, 0))
        if data[key] == auto
    ]
    status = charger.connector(data[CONF_CONNECTOR]).status if charger else None
    state = hass.states.get(status) if status else None
    if wanted and (state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)):
        return dict.fromkeys(wanted, "charger_offline")
    if data[CONF_RATE_UNIT] == AUTO:
        units = await _configuration(
            hass, data[CONF_CHARGE_POINT], "ChargingScheduleAllowedChargingRateUnit"
        )
        # "Current", "Power" or "Current,Power"; amps when both are allowed.
        allowed = {u.strip().lower() for u in (units or "").split(",")}
        if "current" in allowed:
            data[CONF_RATE_UNIT] = "A"
        elif "power" in allowed:
            data[CONF_RATE_UNIT] = "W"
        else:  # no answer, or "Unknown": the charger does not say
            errors[CONF_RATE_UNIT] = "unit_unknown"
    if data[CONF_STACK_LEVEL] == 0:
        level = parse_number(
            await _configuration(
                hass, data[CONF_CHARGE_POINT], "ChargeProfileMaxStackLevel"
            )
        )
        if level is None or level < 1:
            errors[CONF_STACK_LEVEL] = "detection_failed"
        else:
            data[CONF_STACK_LEVEL] = int(level)
    return errors


async def _configuration(
    hass: HomeAssistant, charge_point_id: str, key: str
) -> str | None:
    """A configuration value read from the charger, or None when it cannot be read."""
    try:
        response = await hass.services.async_call(
            OCPP_DOMAIN,
            "get_configuration",
            {"devid": charge_point_id, "ocpp_key": key},
            blocking=True,
            return_response=True,
        )
    except (HomeAssistantError, LookupError, TimeoutError) as err:
        # The OCPP integration raises LookupErrors when no charger is connected at all.
        LOGGER.debug("Reading %s from %s failed: %s", key, charge_point_id, err)
        return None
    value = (response or {}).get("value")
    # The OCPP integration answers "Unknown" for a key the charger does not know.
    return str(value) if value not in (None, "", "Unknown") else None

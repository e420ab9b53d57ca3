"""Add or change one connector of a charger (a subentry of the site).

A charger is reached through the OCPP integration, or connects to the site's own central
system when the site runs one (the user picks which).
"""

from __future__ import annotations

import re
from typing import Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import selector
import voluptuous as vol

from ...circuit_groups import circuit_field
from ...const import CONF_OCPP_PORT, DOMAIN, LOGGER
from ...engine.units import parse_number
from ...flow_checks import error_placeholders, form_errors, number_field, site_phases
from .config import (
    CAR_PHASES_AUTO,
    CONF_CAR_PHASES,
    CONF_CHARGE_POINT,
    CONF_CHARGER_MAX_CURRENT,
    CONF_CONNECTOR,
    CONF_CURRENT_STEP,
    CONF_FAILSAFE_CURRENT,
    CONF_MAX_CURRENT,
    CONF_MIN_CURRENT,
    CONF_PASSWORD,
    CONF_PAUSE_MODE,
    CONF_PROFILE_VALIDITY,
    CONF_RATE_UNIT,
    CONF_STACK_LEVEL,
    CONF_TRANSPORT,
    CONF_WIRING,
    DEFAULT_CURRENT_STEP,
    OCPP_DOMAIN,
    PAUSE_STOP,
    PAUSE_ZERO,
    TRANSPORT_CENTRAL,
    TRANSPORT_INTEGRATION,
)
from .discovery import OcppCharger, find_chargers

AUTO = "auto"
NO_LINE = "none"
# A charge point id is the last segment of the address a charger connects to (OCPP: at most
# 48 characters); no separators, no spaces.
_CHARGE_POINT_ID = re.compile(r"[^/\s?#%]{1,48}")


def _evse_schema(
    phases: list[str],
    chargers: dict[str, OcppCharger],
    *,
    new: bool,
    central: bool,
) -> vol.Schema:
    """The connector's form; a new one names its charger (picked, or typed for our server)."""
    schema: dict[vol.Marker, Any] = {vol.Required(CONF_NAME): selector.TextSelector()}
    if new:
        schema[vol.Required(CONF_CHARGE_POINT)] = (
            selector.TextSelector() if central else _charger_choice(chargers)
        )
        schema[vol.Required(CONF_CONNECTOR, default=1)] = number_field(1, 10, "")
    if central:
        schema[vol.Optional(CONF_PASSWORD, default="")] = selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        )
    schema.update(_limits_and_wiring(phases))
    # Detection asks the charger through the OCPP integration; our own server cannot ask a
    # charger before it is let in, so there the user says.
    units = ["A", "W"] if central else [AUTO, "A", "W"]
    schema.update(
        {
            vol.Required(CONF_RATE_UNIT, default=units[0]): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=units, translation_key="rate_unit"
                )
            ),
            vol.Required(CONF_STACK_LEVEL, default=1 if central else 0): number_field(
                1 if central else 0, 99, ""
            ),
            vol.Required(CONF_PROFILE_VALIDITY, default=180): number_field(
                30, 3600, "s"
            ),
            vol.Required(CONF_FAILSAFE_CURRENT, default=6): number_field(
                0, 80, "A", 0.1
            ),
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


def _charger_choice(chargers: dict[str, OcppCharger]) -> selector.SelectSelector:
    """The OCPP integration's chargers, by name and charge point id."""
    return selector.SelectSelector(
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


def _limits_and_wiring(phases: list[str]) -> dict[vol.Marker, Any]:
    """Currents, and the site phase of each charger line."""
    line_options = [*phases, NO_LINE]
    return {
        vol.Required(CONF_MIN_CURRENT, default=6): number_field(0, 80, "A", 0.1),
        vol.Required(CONF_MAX_CURRENT, default=16): number_field(1, 80, "A", 0.1),
        vol.Required(CONF_CURRENT_STEP, default=DEFAULT_CURRENT_STEP): number_field(
            0.1, 10, "A", 0.1
        ),
        vol.Required(CONF_CHARGER_MAX_CURRENT, default=32): number_field(
            1, 250, "A", 0.1
        ),
        vol.Required(CONF_WIRING[0], default=phases[0]): selector.SelectSelector(
            selector.SelectSelectorConfig(options=phases)
        ),
        vol.Required(
            CONF_WIRING[1], default=phases[1] if len(phases) > 1 else NO_LINE
        ): selector.SelectSelector(selector.SelectSelectorConfig(options=line_options)),
        vol.Required(
            CONF_WIRING[2], default=phases[2] if len(phases) > 2 else NO_LINE
        ): selector.SelectSelector(selector.SelectSelectorConfig(options=line_options)),
    }


class EvseSubentryFlow(ConfigSubentryFlow):
    """Add or change one connector of a charger."""

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Through the OCPP integration, or (on a site running one) our own server."""
        if self._get_entry().data.get(CONF_OCPP_PORT):
            return self.async_show_menu(
                step_id="user", menu_options=["integration", "central"]
            )
        return await self._async_step_integration(user_input, step_id="user")

    async def async_step_integration(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A charger the OCPP integration connects."""
        return await self._async_step_integration(user_input, step_id="integration")

    async def async_step_central(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A charger that connects to the site's own server, by its charge point id."""
        return await self._async_step(user_input, step_id="central", central=True)

    async def _async_step_integration(
        self, user_input: dict[str, Any] | None, *, step_id: str
    ) -> SubentryFlowResult:
        """Pick a charger the OCPP integration knows and describe its connector."""
        if not any(
            entry.state is ConfigEntryState.LOADED
            for entry in self.hass.config_entries.async_entries(OCPP_DOMAIN)
        ):
            return self.async_abort(reason="ocpp_not_loaded")
        if not find_chargers(self.hass):
            return self.async_abort(reason="no_chargers")
        return await self._async_step(user_input, step_id=step_id, central=False)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a connector (its charger, connector number and transport stay)."""
        central = (
            self._get_reconfigure_subentry().data.get(CONF_TRANSPORT)
            == TRANSPORT_CENTRAL
        )
        return await self._async_step(
            user_input, step_id="reconfigure", central=central
        )

    async def _async_step(
        self, user_input: dict[str, Any] | None, *, step_id: str, central: bool
    ) -> SubentryFlowResult:
        entry = self._get_entry()
        new = step_id != "reconfigure"
        own = None if new else self._get_reconfigure_subentry()
        chargers = {} if central else find_chargers(self.hass)
        schema = _evse_schema(site_phases(entry), chargers, new=new, central=central)
        schema = schema.extend(circuit_field(entry))
        errors: dict[str, str] = {}
        if user_input is not None:
            name, data, errors = await read_connector(
                self.hass,
                schema,
                user_input,
                chargers=chargers,
                own=own,
                central=central,
            )
            if errors.get(CONF_RATE_UNIT) == "unit_unknown":
                user_input = {**user_input, CONF_RATE_UNIT: "A"}  # the likely answer
            if not errors:
                if own is None:
                    return self.async_create_entry(
                        title=name, data=data, unique_id=connector_unique_id(data)
                    )
                return self.async_update_and_abort(entry, own, title=name, data=data)
        suggested = user_input
        if suggested is None and own is not None:
            suggested = {
                CONF_NAME: own.title,
                **{k: (v if v is not None else NO_LINE) for k, v in own.data.items()},
            }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders=error_placeholders(
                self.hass, schema, suggested or {}, errors
            ),
        )


def central_schema(phases: list[str]) -> vol.Schema:
    """The form of a new connector on the site's own server."""
    return _evse_schema(phases, {}, new=True, central=True)


def connector_unique_id(data: dict[str, Any]) -> str:
    """A connector is one of a charger: unique by both."""
    return f"{data[CONF_CHARGE_POINT]}:{data[CONF_CONNECTOR]}"


async def read_connector(
    hass: HomeAssistant,
    schema: vol.Schema,
    user_input: dict[str, Any],
    *,
    chargers: dict[str, OcppCharger],
    own: ConfigSubentry | None,
    central: bool,
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The connector a form describes: its name, its data, and what is wrong with it.

    `own`: the connector being changed (its charger and connector number stay); `chargers`:
    the OCPP integration's, for a connector through it (asked for what it does not say).
    """
    errors = form_errors(hass, schema, user_input)
    data = dict(user_input)
    name = str(data.pop(CONF_NAME, ""))
    if errors:
        return name, data, errors
    data[CONF_TRANSPORT] = TRANSPORT_CENTRAL if central else TRANSPORT_INTEGRATION
    if own is not None:
        data = {
            CONF_CHARGE_POINT: own.data[CONF_CHARGE_POINT],
            CONF_CONNECTOR: own.data[CONF_CONNECTOR],
            **data,
        }
    data[CONF_CONNECTOR] = int(data[CONF_CONNECTOR])
    data[CONF_STACK_LEVEL] = int(data[CONF_STACK_LEVEL])
    for key in CONF_WIRING:
        if data.get(key) == NO_LINE:
            data[key] = None
    charger = chargers.get(data[CONF_CHARGE_POINT])
    errors = _validate_evse(
        hass, data, charger, None if own is None else own.subentry_id
    )
    if not errors and not central:
        errors = await _detect(hass, data, charger)
    return name, data, errors


def _validate_evse(
    hass: HomeAssistant,
    data: dict[str, Any],
    charger: OcppCharger | None,
    own_subentry: str | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    cp_id = str(data[CONF_CHARGE_POINT])
    if not _CHARGE_POINT_ID.fullmatch(cp_id):
        errors[CONF_CHARGE_POINT] = "charge_point_id_invalid"
    if charger is not None and data[CONF_CONNECTOR] > charger.connectors:
        errors[CONF_CONNECTOR] = "no_such_connector"
    for entry in hass.config_entries.async_entries(DOMAIN):
        for subentry_id, subentry in entry.subentries.items():
            same = subentry.data.get(CONF_CHARGE_POINT) == data[CONF_CHARGE_POINT] and (
                subentry.data.get(CONF_CONNECTOR) == data[CONF_CONNECTOR]
            )
            if same and subentry_id != own_subentry:
                errors[CONF_CHARGE_POINT] = "already_added"
            sibling = (
                subentry_id != own_subentry
                and subentry.data.get(CONF_CHARGE_POINT) == cp_id
                and subentry.data.get(CONF_TRANSPORT) == TRANSPORT_CENTRAL
            )
            if (
                sibling
                and data[CONF_TRANSPORT] == TRANSPORT_CENTRAL
                and subentry.data.get(CONF_PASSWORD, "") != data.get(CONF_PASSWORD, "")
            ):
                # The charger logs in once for all its connectors: one password.
                errors[CONF_PASSWORD] = "password_differs"
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
    through_integration = data[CONF_TRANSPORT] == TRANSPORT_INTEGRATION
    if (
        through_integration
        and data.get(CONF_PAUSE_MODE) == PAUSE_STOP
        and (
            charger is None
            or not charger.connector(data[CONF_CONNECTOR]).charge_control
        )
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

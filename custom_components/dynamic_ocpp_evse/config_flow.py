"""The site's config flow (user, reconfigure); each load kind brings its own subentry flow."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_NAME, PERCENTAGE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .central.tls import tls_error
from .circuit_groups import SUBENTRY_CIRCUIT, CircuitGroupFlow
from .const import (
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_BATTERY_SUPPORT_SOC,
    CONF_BATTERY_TARGET_SOC,
    CONF_BREAKER,
    CONF_BREAKER_TYPE,
    CONF_GRID_METERS,
    CONF_INVERT_GRID,
    CONF_INVERTER_MAX_POWER,
    CONF_METER_INTERVAL,
    CONF_OCPP_CERTFILE,
    CONF_OCPP_HOST,
    CONF_OCPP_KEYFILE,
    CONF_OCPP_PORT,
    CONF_SOLAR,
    CONF_VOLTAGE,
    DEFAULT_BREAKER,
    DEFAULT_BREAKER_TYPE,
    DEFAULT_METER_INTERVAL,
    DEFAULT_NAME,
    DEFAULT_SUPPORT_SOC,
    DEFAULT_TARGET_SOC,
    DEFAULT_VOLTAGE,
    DOMAIN,
)
from .engine.breaker import BreakerType
from .engine.units import GRID_UNITS
from .flow_checks import (
    POWER_UNITS,
    SENSOR,
    entity_error,
    form_errors,
    number_field,
    registry_id,
)
from .loads import KINDS, kind_of
from .suggest import suggest_site_entities


def _site_schema() -> vol.Schema:
    meter_a, meter_b, meter_c = CONF_GRID_METERS
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=DEFAULT_NAME): selector.TextSelector(),
            vol.Required(meter_a): SENSOR,
            vol.Optional(meter_b): SENSOR,
            vol.Optional(meter_c): SENSOR,
            vol.Required(CONF_INVERT_GRID, default=False): selector.BooleanSelector(),
            vol.Required(
                CONF_METER_INTERVAL, default=DEFAULT_METER_INTERVAL
            ): number_field(1, 3600, "s"),
            vol.Required(CONF_BREAKER, default=DEFAULT_BREAKER): number_field(
                1, 1000, "A"
            ),
            vol.Required(
                CONF_BREAKER_TYPE, default=DEFAULT_BREAKER_TYPE
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[kind.value for kind in BreakerType],
                    translation_key="breaker_type",
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): number_field(
                100, 480, "V"
            ),
            vol.Optional(CONF_SOLAR): SENSOR,
            vol.Optional(CONF_BATTERY_SOC): SENSOR,
            vol.Optional(CONF_BATTERY_POWER): SENSOR,
            vol.Required(
                CONF_BATTERY_TARGET_SOC, default=DEFAULT_TARGET_SOC
            ): number_field(0, 100, "%"),
            vol.Required(
                CONF_BATTERY_SUPPORT_SOC, default=DEFAULT_SUPPORT_SOC
            ): number_field(0, 100, "%"),
            vol.Optional(CONF_INVERTER_MAX_POWER): number_field(0, 1_000_000, "W", 50),
            vol.Optional(CONF_OCPP_PORT): number_field(1, 65535, ""),
            vol.Optional(CONF_OCPP_HOST): selector.TextSelector(),
            vol.Optional(CONF_OCPP_CERTFILE): selector.TextSelector(),
            vol.Optional(CONF_OCPP_KEYFILE): selector.TextSelector(),
        }
    )


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
        elif error := entity_error(hass, entity_id, GRID_UNITS):
            errors[key] = error
        seen.add(entity_id)
    expected = {
        CONF_SOLAR: POWER_UNITS,
        CONF_BATTERY_POWER: POWER_UNITS,
        CONF_BATTERY_SOC: frozenset({PERCENTAGE}),
    }
    for key, wanted in expected.items():
        if (
            (entity_id := user_input.get(key))
            and key not in errors
            and (error := entity_error(hass, entity_id, wanted))
        ):
            errors[key] = error
    if user_input.get(CONF_BATTERY_SOC) and not user_input.get(CONF_BATTERY_POWER):
        errors[CONF_BATTERY_POWER] = "battery_power_required"
    return errors


def _phases_in_use(
    entry: ConfigEntry, user_input: dict[str, Any]
) -> tuple[dict[str, str], str]:
    """A phase can go only once no load is wired to it.

    The error is on the phase's meter; the loads are named in a placeholder of it.
    """
    kept = {key[-1].upper() for key in CONF_GRID_METERS if user_input.get(key)}
    errors: dict[str, str] = {}
    named: list[str] = []
    for subentry in entry.subentries.values():
        kind = kind_of(subentry.subentry_type)
        missing = kind.phases(subentry.data) - kept if kind else frozenset()
        if missing:
            named.append(f"{subentry.title} ({', '.join(sorted(missing))})")
            for phase in missing:
                errors[f"grid_phase_{phase.lower()}"] = "phase_in_use"
    return errors, "; ".join(named)


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
        """The kinds of load a site can have, and its circuit groups."""
        return {
            **{kind.subentry_type: kind.flow for kind in KINDS},
            SUBENTRY_CIRCUIT: CircuitGroupFlow,
        }

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Describe the site's grid connection."""
        errors: dict[str, str] = {}
        quiet = ""
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                errors = await self._tls_errors(user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
            if not errors:
                await self.async_set_unique_id(
                    registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
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
        quiet = in_use = ""
        if user_input is not None:
            errors = validate_site(self.hass, user_input)
            if not errors:
                errors = await self._tls_errors(user_input)
            if not errors:
                errors, in_use = _phases_in_use(entry, user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
            if not errors:
                await self.async_set_unique_id(
                    registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
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
            description_placeholders={"quiet": quiet, "in_use": in_use},
        )

    async def _tls_errors(self, user_input: dict[str, Any]) -> dict[str, str]:
        """The server's certificate and key must both be given and load (read off the loop)."""
        certfile = user_input.get(CONF_OCPP_CERTFILE)
        error = await self.hass.async_add_executor_job(
            tls_error, certfile, user_input.get(CONF_OCPP_KEYFILE)
        )
        if error is None:
            return {}
        # A missing half is named on its own field; anything else on the certificate.
        missing_key = error == "tls_pair_required" and certfile
        return {CONF_OCPP_KEYFILE if missing_key else CONF_OCPP_CERTFILE: error}

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

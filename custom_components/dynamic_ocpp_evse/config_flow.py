"""The site's config flow (user, reconfigure); each load kind brings its own subentry flow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
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
    error_placeholders,
    form_errors,
    number_field,
    registry_id,
)
from .loads import KINDS, kind_of
from .suggest import suggest_site_entities

CONF_WITH_SOLAR = "with_solar"
CONF_WITH_BATTERY = "with_battery"
CONF_WITH_SERVER = "with_ocpp_server"


def _grid_schema() -> vol.Schema:
    meter_a, meter_b, meter_c = CONF_GRID_METERS
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_NAME, default=DEFAULT_NAME): selector.TextSelector(),
        vol.Required(meter_a): SENSOR,
        vol.Optional(meter_b): SENSOR,
        vol.Optional(meter_c): SENSOR,
        vol.Required(CONF_INVERT_GRID, default=False): selector.BooleanSelector(),
        vol.Required(CONF_METER_INTERVAL, default=DEFAULT_METER_INTERVAL): number_field(
            1, 3600, "s"
        ),
        vol.Required(CONF_BREAKER, default=DEFAULT_BREAKER): number_field(1, 1000, "A"),
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
    }
    for wanted in (CONF_WITH_SOLAR, CONF_WITH_BATTERY, CONF_WITH_SERVER):
        fields[vol.Required(wanted, default=False)] = selector.BooleanSelector()
    return vol.Schema(fields)


def _solar_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_SOLAR): SENSOR,
        }
    )


def _battery_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_BATTERY_POWER): SENSOR,
            vol.Optional(CONF_BATTERY_SOC): SENSOR,
            vol.Required(
                CONF_BATTERY_TARGET_SOC, default=DEFAULT_TARGET_SOC
            ): number_field(0, 100, "%"),
            vol.Required(
                CONF_BATTERY_SUPPORT_SOC, default=DEFAULT_SUPPORT_SOC
            ): number_field(0, 100, "%"),
            vol.Optional(CONF_INVERTER_MAX_POWER): number_field(0, 1_000_000, "W", 50),
        }
    )


def _server_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_OCPP_PORT, default=9010): number_field(1, 65535, ""),
            vol.Optional(CONF_OCPP_HOST): selector.TextSelector(),
            vol.Optional(CONF_OCPP_CERTFILE): selector.TextSelector(),
            vol.Optional(CONF_OCPP_KEYFILE): selector.TextSelector(),
        }
    )


# The parts of a site asked for only when the grid step says it has them: (its switch on the
# grid step, its step, its fields).
PARTS: tuple[tuple[str, str, Callable[[], vol.Schema]], ...] = (
    (CONF_WITH_SOLAR, "solar", _solar_schema),
    (CONF_WITH_BATTERY, "battery", _battery_schema),
    (CONF_WITH_SERVER, "ocpp_server", _server_schema),
)


def _parts_of(data: Mapping[str, Any]) -> dict[str, bool]:
    """Which parts a site's data (or the suggested entities) has.

    A part's own sensor, or the server's port: settings that mean nothing alone tick none.
    """
    given = {key for key, value in data.items() if value not in (None, "")}
    return {
        CONF_WITH_SOLAR: CONF_SOLAR in given,
        CONF_WITH_BATTERY: bool({CONF_BATTERY_POWER, CONF_BATTERY_SOC} & given),
        CONF_WITH_SERVER: CONF_OCPP_PORT in given,
    }


def _grid_errors(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Per-field error keys for the grid step."""
    errors = form_errors(hass, _grid_schema(), user_input)
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
    return errors


def _part_errors(
    hass: HomeAssistant, schema: vol.Schema, user_input: dict[str, Any]
) -> dict[str, str]:
    """Per-field error keys for the solar or battery step."""
    errors = form_errors(hass, schema, user_input)
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
        """Start with no warning given and nothing entered."""
        self._warned: frozenset[tuple[str, float]] = frozenset()
        self._data: dict[str, Any] = {}
        self._parts: list[str] = []

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
        """Describe the site's grid connection, and say which other parts it has."""
        errors: dict[str, str] = {}
        quiet = ""
        if user_input is not None:
            errors = _grid_errors(self.hass, user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
            if not errors:
                await self.async_set_unique_id(
                    registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
                )
                self._abort_if_unique_id_configured()
                return await self._async_take_grid(user_input)
        suggested = user_input if user_input is not None else self._suggested()
        return self._show(
            "user", _grid_schema(), suggested, errors, quiet=quiet, in_use=""
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the site's meters and limits, and which other parts it has."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        quiet = in_use = ""
        if user_input is not None:
            errors = _grid_errors(self.hass, user_input)
            if not errors:
                errors, in_use = _phases_in_use(entry, user_input)
            if not errors:
                errors, quiet = self._quiet_meters(user_input)
            if not errors:
                await self.async_set_unique_id(
                    registry_id(self.hass, user_input[CONF_GRID_METERS[0]])
                )
                self._abort_if_unique_id_mismatch(reason="different_site")
                return await self._async_take_grid(user_input)
        suggested = user_input if user_input is not None else self._suggested()
        return self._show(
            "reconfigure", _grid_schema(), suggested, errors, quiet=quiet, in_use=in_use
        )

    async def async_step_solar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The PV's production sensor and the inverter's limit."""
        return await self._async_part("solar", _solar_schema(), user_input)

    async def async_step_battery(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The home battery's sensors and when its power counts for the loads."""
        return await self._async_part("battery", _battery_schema(), user_input)

    async def async_step_ocpp_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The built-in OCPP server chargers connect to."""
        return await self._async_part("ocpp_server", _server_schema(), user_input)

    def _suggested(self) -> dict[str, Any]:
        """What the forms open with: the site's data, or the sensors that obviously fit."""
        if self.source == SOURCE_RECONFIGURE:
            data = dict(self._get_reconfigure_entry().data)
        else:
            data = dict(suggest_site_entities(self.hass))
        return {**_parts_of(data), **data}

    async def _async_take_grid(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """Keep the grid step's fields and ask for each part wanted, in turn."""
        wanted = {switch for switch, _, _ in PARTS}
        self._data = {k: v for k, v in user_input.items() if k not in wanted}
        self._parts = [step for wanted, step, _ in PARTS if user_input.get(wanted)]
        return await self._async_next()

    async def _async_part(
        self, step_id: str, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _part_errors(self.hass, schema, user_input)
            if not errors and step_id == "ocpp_server":
                errors = await self._tls_errors(user_input)
            if not errors:
                self._data.update(user_input)
                if CONF_OCPP_PORT in user_input:
                    self._data[CONF_OCPP_PORT] = int(user_input[CONF_OCPP_PORT])
                return await self._async_next()
        suggested = user_input if user_input is not None else self._suggested()
        return self._show(step_id, schema, suggested, errors)

    async def _async_next(self) -> ConfigFlowResult:
        """The next part's step, or the site made (or changed) once every part is in."""
        if self._parts:
            step_id = self._parts.pop(0)
            step: Callable[[], Awaitable[ConfigFlowResult]] = getattr(
                self, f"async_step_{step_id}"
            )
            return await step()
        if self.source != SOURCE_RECONFIGURE:
            return self.async_create_entry(title=self._data[CONF_NAME], data=self._data)
        # The update listener reloads the site; the flow must not reload it too.
        self.hass.config_entries.async_update_entry(
            self._get_reconfigure_entry(), title=self._data[CONF_NAME], data=self._data
        )
        return self.async_abort(reason="reconfigure_successful")

    def _show(
        self,
        step_id: str,
        schema: vol.Schema,
        suggested: Mapping[str, Any],
        errors: dict[str, str],
        **placeholders: str,
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={
                **placeholders,
                **error_placeholders(self.hass, schema, suggested, errors),
            },
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

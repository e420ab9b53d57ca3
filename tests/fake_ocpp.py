"""A fake of the HA OCPP integration, for fast tests without a websocket.

It registers what the real one registers (checked against both vendored releases by
tests/e2e/test_fake_matches_real.py): a central-system device, a device per charger identified by
its websocket id and its charge point id, a device per connector of a multi-connector charger,
sensors and switches with the real unique ids and entity ids, and the actions our integration
calls, with the real schemas. A fake car draws what the working profile allows and the grid
meters see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from .conftest import FakeSite

OCPP = "ocpp"
# The releases of the OCPP integration we check against (vendored for the end-to-end tests).
RELEASES = ("v0.10.9", "v0.11.0")
# The connector metrics the fake reports, and the charger's reconnection counter.
CONNECTOR_METRICS = ("Status.Connector", "Current.Import", "Current.Offered")
CHARGER_METRICS = ("Reconnects",)


def schemas(release: str) -> dict[str, vol.Schema | None]:
    """The real integration's schemas of the actions we call (None: it registers none)."""
    # v0.11.0 made ocpp_key optional (no key: every key of the charger).
    key = vol.Required if release == "v0.10.9" else vol.Optional
    return {
        "set_charge_rate": vol.Schema(
            {
                vol.Optional("devid"): cv.string,
                vol.Optional("limit_amps"): cv.positive_float,
                vol.Optional("limit_watts"): cv.positive_int,
                vol.Optional("conn_id"): cv.positive_int,
                vol.Optional("custom_profile"): vol.Any(cv.string, dict),
            }
        ),
        "clear_profile": None,
        "get_configuration": vol.Schema(
            {vol.Optional("devid"): cv.string, key("ocpp_key"): cv.string}
        ),
    }


RESPONSES = {"get_configuration": SupportsResponse.ONLY}


@dataclass(frozen=True, slots=True)
class Registration:
    """One entity the OCPP integration registers."""

    domain: str
    unique_id: str
    object_id: str
    device: str  # the identifier of the device it belongs to


def registrations(cpid: str, connectors: int, release: str) -> list[Registration]:
    """What the given release registers for a charger, for the metrics the fake reports."""
    several = connectors > 1
    result = [
        Registration(
            "sensor",
            _sensor_uid(cpid, m, None, release),
            _object_id(cpid, m, None),
            cpid,
        )
        for m in CHARGER_METRICS
    ]
    for n in range(1, connectors + 1):
        conn = n if several else None
        device = f"{cpid}-conn{n}" if several else cpid
        result.extend(
            Registration(
                "sensor",
                _sensor_uid(cpid, m, conn, release),
                _object_id(cpid, m, conn),
                device,
            )
            for m in CONNECTOR_METRICS
        )
        parts = [
            "switch",
            OCPP,
            cpid,
            *([f"conn{n}"] if several else []),
            "charge_control",
        ]
        result.append(
            Registration(
                "switch",
                ".".join(parts),
                _object_id(cpid, "charge_control", conn),
                device,
            )
        )
    return result


def _sensor_uid(cpid: str, metric: str, connector: int | None, release: str) -> str:
    """Up to v0.10.9 the metric keeps its dots; from v0.10.10 they become underscores."""
    key = metric.lower() if release == "v0.10.9" else metric.lower().replace(".", "_")
    parts = [OCPP, cpid, key, "sensor"]
    if connector is not None:
        parts.insert(2, f"conn{connector}")
    return ".".join(parts)


def _object_id(cpid: str, metric: str, connector: int | None) -> str:
    key = metric.lower().replace(".", "_")
    return f"{cpid}_connector_{connector}_{key}" if connector else f"{cpid}_{key}"


@dataclass
class FakeConnector:
    """One connector and the car at it."""

    cpid: str
    connector: int | None  # None: the charger's only connector
    car_lines: int = 3
    car_max_a: float = 32.0
    obeys: bool = True
    limit: float = 32.0  # what the charger currently allows (A)
    failsafe: float | None = None  # the failsafe profile's limit, once it has one
    working: float | None = None  # the working profile's limit, once it has one

    def entity(self, metric: str, domain: str = "sensor") -> str:
        """The entity id of one of its metrics."""
        return f"{domain}.{_object_id(self.cpid, metric, self.connector)}"


@dataclass
class FakeOcpp:
    """The OCPP integration as our integration sees it."""

    hass: HomeAssistant
    site: FakeSite
    release: str = "v0.11.0"
    connectors: dict[tuple[str, int], FakeConnector] = field(default_factory=dict)
    offline: set[str] = field(default_factory=set)  # chargers that are not connected
    profiles: list[ServiceCall] = field(default_factory=list)
    clears: list[ServiceCall] = field(default_factory=list)
    configuration: dict[str, str] = field(
        default_factory=lambda: {
            "ChargingScheduleAllowedChargingRateUnit": "Current",
            "ChargeProfileMaxStackLevel": "8",
        }
    )
    entry: MockConfigEntry | None = None
    # What set_charge_rate raises, as the real one can (IndexError from its charger lookup).
    raising: Exception | None = None

    def add_charger(
        self, cpid: str, connectors: int = 1, *, websocket_id: str | None = None
    ) -> None:
        """A charger as the OCPP integration registers it once it has connected."""
        if self.entry is None:
            self.entry = MockConfigEntry(
                domain=OCPP, title="central", state=ConfigEntryState.LOADED
            )
            self.entry.add_to_hass(self.hass)
            dr.async_get(self.hass).async_get_or_create(
                config_entry_id=self.entry.entry_id,
                identifiers={(OCPP, "central")},
                name="central",
                model="OCPP Central System",
            )
        devices = dr.async_get(self.hass)
        # (identifiers, name) of each device, as the real one names them
        known = {cpid: ({(OCPP, cpid), (OCPP, websocket_id or cpid.upper())}, cpid)}
        for n in range(1, connectors + 1):
            known[f"{cpid}-conn{n}"] = (
                {(OCPP, f"{cpid}-conn{n}")},
                f"{cpid} Connector {n}",
            )
        for registration in registrations(cpid, connectors, self.release):
            identifiers, name = known[registration.device]
            device = devices.async_get_or_create(
                config_entry_id=self.entry.entry_id, identifiers=identifiers, name=name
            )
            er.async_get(self.hass).async_get_or_create(
                registration.domain,
                OCPP,
                registration.unique_id,
                suggested_object_id=registration.object_id,
                config_entry=self.entry,
                device_id=device.id,
            )
        for n in range(1, connectors + 1):
            fake = FakeConnector(cpid, n if connectors > 1 else None)
            self.connectors[cpid, n] = fake
            self.hass.states.async_set(fake.entity("charge_control", "switch"), "off")
            self.set_status(cpid, n, "Available")
        self.hass.states.async_set(f"sensor.{cpid}_reconnects", "0")

    def set_status(self, cpid: str, connector: int, status: str) -> None:
        """A StatusNotification; the charge control switch follows it, as the real one's."""
        fake = self.connectors[cpid, connector]
        self.hass.states.async_set(fake.entity("Status.Connector"), status)
        charging = status in ("Charging", "SuspendedEVSE", "SuspendedEV")
        self.hass.states.async_set(
            fake.entity("charge_control", "switch"), "on" if charging else "off"
        )
        self.report()

    def reconnect(self, cpid: str) -> None:
        """The charger's websocket came back: the counter moves, nothing else shows."""
        entity = f"sensor.{cpid}_reconnects"
        count = int(self.hass.states.get(entity).state)  # type: ignore[union-attr]
        self.hass.states.async_set(entity, str(count + 1))

    def report(self) -> None:
        """Write the chargers' sensors and put the cars' draw on the grid meters."""
        draw = {"A": 0.0, "B": 0.0, "C": 0.0}
        for fake in self.connectors.values():
            status = self.hass.states.get(fake.entity("Status.Connector"))
            charging = status is not None and status.state == "Charging"
            amps = min(fake.limit, fake.car_max_a) if charging else 0.0
            lines = [amps if i < fake.car_lines else 0.0 for i in range(3)]
            for phase, line in zip("ABC", lines, strict=True):
                draw[phase] += line
            nonzero = [a for a in lines if a]
            self.hass.states.async_set(
                fake.entity("Current.Import"),
                f"{sum(nonzero) / len(nonzero) if nonzero else 0.0:.1f}",
                {
                    "unit_of_measurement": "A",
                    "L1": lines[0],
                    "L2": lines[1],
                    "L3": lines[2],
                },
            )
            self.hass.states.async_set(
                fake.entity("Current.Offered"),
                f"{fake.limit:.1f}",
                {"unit_of_measurement": "A"},
            )
        self.site.extra = draw
        self.site.report()

    def _charger(self, call: ServiceCall) -> str:
        """The charger a call is for; the real one raises when it is not connected."""
        cpid = str(call.data.get("devid"))
        if cpid in self.offline:
            raise HomeAssistantError(
                translation_domain=OCPP,
                translation_key="unavailable",
                translation_placeholders={"message": cpid},
            )
        return cpid

    async def set_charge_rate(self, call: ServiceCall) -> None:
        cpid = self._charger(call)
        if self.raising is not None:
            raise self.raising
        self.profiles.append(call)
        fake = self.connectors.get((cpid, call.data.get("conn_id", 0)))
        profile = call.data["custom_profile"]
        limit = profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        if fake is not None and fake.obeys:
            # The working profile above the failsafe (neither lapses in the fake).
            if profile["chargingProfileId"] >= 1900:
                fake.working = limit
            else:
                fake.failsafe = limit
            fake.limit = limit if fake.working is None else fake.working
        self.report()

    async def clear_profile(self, call: ServiceCall) -> None:
        self._charger(call)
        self.clears.append(call)

    async def get_configuration(self, call: ServiceCall) -> ServiceResponse:
        self._charger(call)
        # The real one answers "Unknown" for a key the charger does not know.
        return {"value": self.configuration.get(call.data["ocpp_key"], "Unknown")}

    def register(self) -> None:
        """Register the actions, with the real integration's schemas."""
        handlers: dict[str, Any] = {
            "set_charge_rate": self.set_charge_rate,
            "clear_profile": self.clear_profile,
            "get_configuration": self.get_configuration,
        }
        for name, schema in schemas(self.release).items():
            self.hass.services.async_register(
                OCPP,
                name,
                handlers[name],
                schema,
                supports_response=RESPONSES.get(name, SupportsResponse.NONE),
            )

    def working(self) -> list[dict[str, Any]]:
        """Every working profile sent, in order."""
        return [
            c.data["custom_profile"]
            for c in self.profiles
            if c.data["custom_profile"]["chargingProfileId"] >= 1900
        ]

    def limits(self) -> list[float]:
        """The limits of the working profiles sent, in order."""
        return [
            p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
            for p in self.working()
        ]

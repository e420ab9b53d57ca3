"""The fake OCPP integration of the fast tests, held against the real one."""

from __future__ import annotations

from typing import Any

from homeassistant.core import SupportsResponse
from homeassistant.helpers import device_registry as dr, entity_registry as er
import voluptuous as vol

from custom_components.dynamic_ocpp_evse.loads.ocpp_evse.discovery import find_chargers
from simulator.charge_point import StationSpec
from tests.fake_ocpp import RESPONSES, registrations, schemas

from .bench import Bench

PROFILE = {
    "chargingProfileId": 1901,
    "stackLevel": 8,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "startSchedule": "2026-06-01T12:00:00Z",
        "duration": 240,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
    },
}
# What our integration sends, and what it must never get wrong.
PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "set_charge_rate": [
        {"devid": "garage", "conn_id": 1, "custom_profile": PROFILE},
        {"devid": "garage", "conn_id": 0, "custom_profile": PROFILE},
        {"devid": "garage", "conn_id": -1, "custom_profile": PROFILE},
        {"devid": "garage", "limit_amps": -3},
        {"devid": "garage", "custom_profile": [PROFILE]},
        {"devid": "garage", "profile": PROFILE},
    ],
    "clear_profile": [{"devid": "garage"}, {}],
    "get_configuration": [
        {"devid": "garage", "ocpp_key": "ChargeProfileMaxStackLevel"},
        {"devid": "garage"},
        {"devid": "garage", "key": "x"},
    ],
}


def _accepts(schema: Any, payload: dict[str, Any]) -> bool:
    if schema is None:
        return True
    try:
        schema(payload)
    except vol.Invalid:
        return False
    return True


async def test_same_devices_entities_and_ids(bench: Bench) -> None:
    await bench.add_charger(StationSpec(cp_id="CP-0042"), cpid="garage")
    await bench.add_charger(StationSpec(cp_id="DUO-1", connectors=2), cpid="duo")
    entities = er.async_get(bench.hass)
    devices = dr.async_get(bench.hass)
    for cpid, connectors in (("garage", 1), ("duo", 2)):
        for fake in registrations(cpid, connectors, bench.release):
            entity_id = entities.async_get_entity_id(
                fake.domain, "ocpp", fake.unique_id
            )
            assert entity_id == f"{fake.domain}.{fake.object_id}", fake
            entry = entities.async_get(entity_id)
            assert entry is not None
            assert entry.device_id is not None
            device = devices.async_get(entry.device_id)
            assert device is not None
            assert ("ocpp", fake.device) in device.identifiers
    # What our discovery makes of the real registries.
    chargers = find_chargers(bench.hass)
    assert set(chargers) == {"garage", "duo"}
    assert (chargers["garage"].connectors, chargers["duo"].connectors) == (1, 2)
    assert (
        chargers["duo"].connector(2).status == "sensor.duo_connector_2_status_connector"
    )
    assert (
        chargers["garage"].connector(1).charge_control == "switch.garage_charge_control"
    )
    assert chargers["garage"].connector(1).reconnects == "sensor.garage_reconnects"


async def test_same_actions(bench: Bench) -> None:
    services = bench.hass.services.async_services()["ocpp"]
    for name, schema in schemas(bench.release).items():
        real = services[name]
        assert real.supports_response == RESPONSES.get(name, SupportsResponse.NONE)
        for payload in PAYLOADS[name]:
            assert _accepts(real.schema, payload) == _accepts(schema, payload), (
                name,
                payload,
            )

"""A charger connector as the user configured it (through the OCPP integration or our server)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ...engine.model import Phase

OCPP_DOMAIN: Final = "ocpp"
SUBENTRY_EVSE: Final = "evse"

# Subentry data keys.
CONF_CHARGE_POINT: Final = "charge_point_id"
CONF_CONNECTOR: Final = "connector_id"
CONF_MIN_CURRENT: Final = "min_current"
CONF_MAX_CURRENT: Final = "max_current"
CONF_CHARGER_MAX_CURRENT: Final = "charger_max_current"
CONF_WIRING: Final = (
    "line_1",
    "line_2",
    "line_3",
)  # the site phase of each charger line
CONF_RATE_UNIT: Final = "rate_unit"
CONF_STACK_LEVEL: Final = "stack_level"
CONF_PROFILE_VALIDITY: Final = "profile_validity"
CONF_FAILSAFE_CURRENT: Final = "failsafe_current"
CONF_PAUSE_MODE: Final = "pause_mode"
CONF_CURRENT_STEP: Final = "current_step"
CONF_TRANSPORT: Final = "transport"  # absent in data from before the built-in server
CONF_PASSWORD: Final = "password"  # HTTP Basic, OCPP security profile 1 ('' for none)
TRANSPORT_INTEGRATION: Final = "ocpp_integration"
TRANSPORT_CENTRAL: Final = "central"
CONF_CAR_PHASES: Final = "car_phases"  # "auto": learned from the last session, or 1 / 3
CAR_PHASES_AUTO: Final = "auto"
PAUSE_ZERO: Final = "zero"  # pause with a 0 A limit
PAUSE_STOP: Final = "stop_transaction"  # for chargers that misbehave at 0 A
DEFAULT_CURRENT_STEP: Final = 1.0  # A: most chargers apply whole amps
LEGACY_CURRENT_STEP: Final = 0.1  # A: chargers added before the setting keep tenths


@dataclass(frozen=True, slots=True, kw_only=True)
class EvseConfig:
    """One connector of a charger."""

    id: str  # the subentry id
    name: str
    charge_point_id: (
        str  # its OCPP id ("devid" in the OCPP integration), not an HA device id
    )
    connector: int
    min_a: float
    max_a: float
    charger_max_a: float  # all connectors of the charger together, per phase
    wired: tuple[Phase, ...]  # the site phase of each charger line L1, L2, L3 in use
    rate_unit: str  # "A" or "W"
    stack_level: int  # of the working profile; the failsafe profile sits one below
    profile_validity_s: int
    failsafe_a: float
    pause_mode: str = PAUSE_ZERO
    current_step_a: float = LEGACY_CURRENT_STEP  # the charger applies multiples of this
    car_lines: int = 0  # the lines its car charges on; 0: learned from the last session
    transport: str = TRANSPORT_INTEGRATION
    password: str = ""

    @classmethod
    def from_data(
        cls, subentry_id: str, title: str, data: Mapping[str, Any]
    ) -> EvseConfig:
        """Read an EVSE subentry's data."""
        return cls(
            id=subentry_id,
            name=title,
            charge_point_id=str(data[CONF_CHARGE_POINT]),
            connector=int(data[CONF_CONNECTOR]),
            min_a=float(data[CONF_MIN_CURRENT]),
            max_a=float(data[CONF_MAX_CURRENT]),
            charger_max_a=float(data[CONF_CHARGER_MAX_CURRENT]),
            wired=tuple(Phase(data[key]) for key in CONF_WIRING if data.get(key)),
            rate_unit=str(data[CONF_RATE_UNIT]),
            stack_level=int(data[CONF_STACK_LEVEL]),
            profile_validity_s=int(data[CONF_PROFILE_VALIDITY]),
            failsafe_a=float(data[CONF_FAILSAFE_CURRENT]),
            pause_mode=str(data.get(CONF_PAUSE_MODE, PAUSE_ZERO)),
            current_step_a=float(data.get(CONF_CURRENT_STEP, LEGACY_CURRENT_STEP)),
            car_lines=_car_lines(data.get(CONF_CAR_PHASES, CAR_PHASES_AUTO)),
            transport=str(data.get(CONF_TRANSPORT, TRANSPORT_INTEGRATION)),
            password=str(data.get(CONF_PASSWORD, "")),
        )


def _car_lines(value: Any) -> int:
    return 0 if value == CAR_PHASES_AUTO else int(value)

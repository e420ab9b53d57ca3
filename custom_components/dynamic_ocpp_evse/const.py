"""Constants of the Dynamic OCPP EVSE integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "dynamic_ocpp_evse"
LOGGER: Final = logging.getLogger(__package__)

UPDATE_INTERVAL: Final = timedelta(seconds=5)

# Load kinds (config subentry types).
SUBENTRY_PLUG: Final = "plug"
SUBENTRY_EVSE: Final = "evse"

OCPP_DOMAIN: Final = "ocpp"

# Site entry data keys.
CONF_GRID_METERS: Final = ("grid_phase_a", "grid_phase_b", "grid_phase_c")
CONF_INVERT_GRID: Final = "invert_grid_sign"
CONF_BREAKER: Final = "breaker_rating"
CONF_BREAKER_TYPE: Final = "breaker_type"
CONF_VOLTAGE: Final = "voltage"
CONF_SOLAR: Final = "solar_power"
CONF_BATTERY_SOC: Final = "battery_soc"
CONF_BATTERY_POWER: Final = "battery_power"
CONF_BATTERY_TARGET_SOC: Final = "battery_target_soc"
CONF_BATTERY_SUPPORT_SOC: Final = "battery_support_soc"
CONF_INVERTER_MAX_POWER: Final = "inverter_max_power"
CONF_METER_INTERVAL: Final = "meter_interval"
CONF_CURRENT_STEP: Final = "current_step"

# Plug subentry data keys.
CONF_SWITCH: Final = "switch_entity"
CONF_POWER: Final = "power"
CONF_POWER_MONITOR: Final = "power_monitor"
CONF_PHASES: Final = "phases"
CONF_PRIORITY: Final = "priority"
CONF_MODE: Final = "mode"

# EVSE (charger connector) subentry data keys.
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
CONF_CAR_PHASES: Final = "car_phases"  # "auto": learned from the last session, or 1 / 3
CAR_PHASES_AUTO: Final = "auto"
PAUSE_ZERO: Final = "zero"  # pause with a 0 A limit
PAUSE_STOP: Final = "stop_transaction"  # for chargers that misbehave at 0 A

DEFAULT_NAME: Final = "Home"
DEFAULT_BREAKER: Final = 25
DEFAULT_BREAKER_TYPE: Final = "mcb_b"
DEFAULT_VOLTAGE: Final = 230
DEFAULT_METER_INTERVAL: Final = 10  # s: how often a live grid meter reports at least
DEFAULT_CURRENT_STEP: Final = 1.0  # A: most chargers apply whole amps
LEGACY_CURRENT_STEP: Final = 0.1  # A: chargers added before the setting keep tenths
DEFAULT_TARGET_SOC: Final = 90
DEFAULT_SUPPORT_SOC: Final = 100

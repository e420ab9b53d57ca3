"""Constants of the Dynamic OCPP EVSE integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "dynamic_ocpp_evse"
LOGGER: Final = logging.getLogger(__package__)

UPDATE_INTERVAL: Final = timedelta(seconds=5)

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
CONF_OCPP_PORT: Final = "ocpp_server_port"  # the built-in central system; absent: off
CONF_OCPP_HOST: Final = "ocpp_server_host"
CONF_OCPP_CERTFILE: Final = (
    "ocpp_server_certfile"  # TLS (security profile 2); absent: ws://
)
CONF_OCPP_KEYFILE: Final = "ocpp_server_keyfile"

# What every load's subentry may carry: its first operating mode and priority.
CONF_PRIORITY: Final = "priority"
CONF_MODE: Final = "mode"

DEFAULT_NAME: Final = "Home"
DEFAULT_BREAKER: Final = 25
DEFAULT_BREAKER_TYPE: Final = "mcb_b"
DEFAULT_VOLTAGE: Final = 230
DEFAULT_METER_INTERVAL: Final = 10  # s: how often a live grid meter reports at least
DEFAULT_TARGET_SOC: Final = 90
DEFAULT_SUPPORT_SOC: Final = 100
DEFAULT_OCPP_HOST: Final = "0.0.0.0"  # every interface: chargers are on the LAN
DEFAULT_OCPP_PORT: Final = 9010  # beside the OCPP integration's 9000

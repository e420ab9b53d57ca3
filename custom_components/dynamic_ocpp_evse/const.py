"""Constants of the Dynamic OCPP EVSE integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "dynamic_ocpp_evse"
LOGGER: Final = logging.getLogger(__package__)

# Site entry data keys.
CONF_GRID_METERS: Final = ("grid_phase_a", "grid_phase_b", "grid_phase_c")
CONF_INVERT_GRID: Final = "invert_grid_sign"
CONF_BREAKER: Final = "breaker_rating"
CONF_VOLTAGE: Final = "voltage"

DEFAULT_NAME: Final = "Home"
DEFAULT_BREAKER: Final = 25
DEFAULT_VOLTAGE: Final = 230

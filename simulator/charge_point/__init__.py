"""The project's reference charger: a simulated OCPP 1.6J or 2.0.1 charge point with a car behind it.

Tests drive it against the HA OCPP integration and against our own central system; the demo
runs it live. It evaluates the charging profiles it receives by its own clock.
"""

from .car import Car
from .station import Message, ReferenceCharger, StationSpec

__all__ = ["Car", "Message", "ReferenceCharger", "StationSpec"]

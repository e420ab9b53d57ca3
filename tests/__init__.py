"""Tests of the Dynamic OCPP EVSE integration."""

"""End-to-end: the real OCPP integration, the reference charger, our integration."""

"""The built-in OCPP central system: chargers connect straight to the integration.

HA-free: a websocket server (`server`), one link per connected charger (`link`) and the OCPP
1.6J conversation (`v16`). The charger load kind drives its profiles through a link.
"""

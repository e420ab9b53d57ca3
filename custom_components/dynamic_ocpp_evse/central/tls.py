"""TLS for the central system (OCPP security profile 2): the user's certificate and key."""

from __future__ import annotations

import ssl


def server_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """A server TLS context from PEM files (blocking: reads them); raises OSError, SSLError."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = (
        ssl.TLSVersion.TLSv1_2
    )  # what OCPP 1.6 security asks at least
    context.load_cert_chain(certfile, keyfile)
    return context


def tls_error(certfile: str | None, keyfile: str | None) -> str | None:
    """What is wrong with a certificate and key pair (a flow error key), None if nothing."""
    if not certfile and not keyfile:
        return None
    if not certfile or not keyfile:
        return "tls_pair_required"
    try:
        server_context(certfile, keyfile)
    except FileNotFoundError:
        return "tls_file_missing"
    except (OSError, ssl.SSLError, ValueError):
        return "tls_unreadable"
    return None

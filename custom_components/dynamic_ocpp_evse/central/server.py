"""The websocket server chargers connect to: who may connect, and one link per charger.

A charger connects to `ws://host:port/<charge point id>` with OCPP 2.0.1 or 1.6J as subprotocol
(2.0.1 when it offers both; or `wss://` with the user's certificate: only TLS then, OCPP
security profile 2). Only ids on the
allow-list are let in, each with its password (HTTP Basic, security profile 1) when one is set;
any other id is refused before the websocket opens, and reported.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
import contextlib
from datetime import datetime
import hmac
from http import HTTPStatus
import logging
import ssl
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .conversation import Conversation
from .link import ChargerState
from .tls import server_context
from .v16 import Charger16
from .v201 import Charger201

LOGGER = logging.getLogger(__name__)
# In our order of preference: a charger that offers both speaks 2.0.1.
CONVERSATIONS: dict[str, type[Conversation]] = {
    "ocpp2.0.1": Charger201,
    "ocpp1.6": Charger16,
}
SUBPROTOCOLS = [Subprotocol(name) for name in CONVERSATIONS]
MAX_FRAME_BYTES = 64 * 1024  # OCPP messages are small; anything larger is refused
RESPONSE_TIMEOUT_S = 10.0  # a charger that does not answer a call in time has failed it
MAX_REFUSED_SHOWN = (
    20  # unknown ids kept for the repair issue (a scan must not grow it)
)


class CentralSystem:
    """Chargers on the allow-list connect here; `chargers` holds what each told us."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        clock: Callable[[], datetime],
        changed: Callable[[str], None],
        refused: Callable[[str], None],
        tls: tuple[str, str] | None = None,
    ) -> None:
        """Listen on host:port once started.

        `changed(id)` follows every report of a charger, `refused(id)` an unknown id that
        tried to connect; `tls` (certificate file, key file) makes it `wss://` only.
        """
        self._tls = tls
        self.host, self.port = host, port
        self._passwords: dict[str, str] = {}
        self._clock = clock
        self._changed = changed
        self._refused = refused
        self.chargers: dict[str, ChargerState] = {}
        self.refused: set[str] = set()  # unknown ids that tried to connect
        self._links: dict[str, Conversation] = {}
        self._server: Server | None = None
        self.ssl: ssl.SSLContext | None = None  # with a certificate: TLS only (wss://)

    def allow(self, cp_id: str, password: str) -> None:
        """Let a charger connect, with this password ('' for none).

        A charger allowed twice (one per connector) keeps a password once one is given.
        """
        if not self._passwords.get(cp_id):
            self._passwords[cp_id] = password
        self.chargers.setdefault(cp_id, ChargerState(cp_id))

    def link(self, cp_id: str) -> Conversation | None:
        """The conversation with a connected charger, if it is connected."""
        return self._links.get(cp_id)

    async def start(self) -> None:
        """Listen; raises OSError (the address is taken, a file unreadable) or SSLError."""
        if self._tls is not None:
            self.ssl = await asyncio.to_thread(server_context, *self._tls)
        self._server = await serve(
            self._converse,
            self.host,
            self.port,
            subprotocols=SUBPROTOCOLS,
            process_request=self._admit,
            max_size=MAX_FRAME_BYTES,
            ssl=self.ssl,
        )
        if self.port == 0:  # the test's free port
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Let in an allowed id with its password; refuse anything else before it opens."""
        cp_id = _charge_point_id(request)
        if cp_id not in self._passwords:
            LOGGER.warning(
                "Refused unknown charger %r from %s", cp_id, connection.remote_address
            )
            if len(self.refused) < MAX_REFUSED_SHOWN:
                self.refused.add(cp_id[:48])
                self._refused(cp_id)
            return connection.respond(HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        password = self._passwords[cp_id]
        if password and not _basic_matches(
            request.headers.get("Authorization"), cp_id, password
        ):
            LOGGER.warning("Charger %s gave a wrong password", cp_id)
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
            response.headers["WWW-Authenticate"] = 'Basic realm="OCPP"'
            return response
        return None

    async def _converse(self, connection: ServerConnection) -> None:
        """One charger's connection, from open to close."""
        assert connection.request is not None  # the handshake is done
        cp_id = _charge_point_id(connection.request)
        state = self.chargers[cp_id]
        speaking = CONVERSATIONS[connection.subprotocol or "ocpp1.6"]
        link = speaking(
            state,
            connection,
            clock=self._clock,
            changed=lambda: self._changed(cp_id),
            response_timeout_s=RESPONSE_TIMEOUT_S,
        )
        # The new connection wins, registered before anything is awaited: two at once leave
        # one conversation, never an orphan that still reports.
        older, self._links[cp_id] = self._links.get(cp_id), link
        if older is not None:
            await older._connection.close()  # noqa: SLF001
        if self._links.get(cp_id) is not link:  # a newer one came meanwhile
            await connection.close()
            return
        state.connected = True
        state.boots += 1  # a reconnection may have lost the profiles too
        link.soon(link.where_it_stands())
        self._changed(cp_id)
        try:
            with contextlib.suppress(ConnectionClosed):
                await link.start()
        finally:
            link.cancel_tasks()
            if self._links.get(cp_id) is link:
                del self._links[cp_id]
                state.connected = False
                for connector in state.connectors.values():
                    connector.forget()  # its status is not known once it is gone
                self._changed(cp_id)


def _charge_point_id(request: Request) -> str:
    """The charge point id: the last segment of the path it connects to."""
    path = urlsplit(request.path).path
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


def _basic_matches(header: str | None, user: str, password: str) -> bool:
    """Whether an HTTP Basic Authorization header carries this user and password."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic":  # the scheme is case-insensitive (RFC 7235)
        return False
    try:
        given = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    expected = f"{user}:{password}"
    return hmac.compare_digest(given.encode(), expected.encode())

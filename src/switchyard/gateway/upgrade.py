"""The HTTP upgrade request of a station: identity, subprotocols, credentials."""

import base64
import binascii
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_to_bytes

from switchyard.errors import SwitchyardError
from switchyard.protocol.dialect import BY_SUBPROTOCOL, Dialect
from switchyard.protocol.identity import identity_problem


class Refusal(SwitchyardError):
    """The upgrade is answered with this HTTP status and message instead of 101."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class UpgradeRequest:
    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    http_version: str = "1.1"

    @classmethod
    def parsed(
        cls, method: bytes, target: bytes, raw_headers: list[tuple[bytes, bytes]], http_version: str = "1.1"
    ) -> "UpgradeRequest":
        headers: dict[str, str] = {}
        for name, value in raw_headers:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            # Repeated headers (several Sec-WebSocket-Protocol lines) fold into one list (RFC 9110 §5.3).
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return cls(method.decode("latin-1"), target.decode("latin-1"), headers, http_version)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def check_websocket_upgrade(self) -> None:
        """Refuse what is not a WebSocket opening handshake we can answer (RFC 6455 §4.2.1, §4.4)."""
        if self.method != "GET":
            raise Refusal(405, "the websocket upgrade must be a GET request", {"Allow": "GET"})
        if self.http_version in ("0.9", "1.0"):
            raise Refusal(400, f"the websocket upgrade needs HTTP/1.1 or later; got HTTP/{self.http_version}")
        if "transfer-encoding" in self.headers or self.headers.get("content-length", "0").strip() not in ("", "0"):
            raise Refusal(400, "the websocket upgrade request must not have a body")
        if "websocket" not in _tokens(self.headers.get("upgrade", "")):
            raise Refusal(426, "this endpoint only speaks WebSocket: send 'Upgrade: websocket'", _UPGRADE)
        if "upgrade" not in _tokens(self.headers.get("connection", "")):
            raise Refusal(400, "a websocket upgrade needs 'Connection: Upgrade'")
        version = self.headers.get("sec-websocket-version", "").strip()
        if version != "13":
            shown = f"version {version!r}" if version else "no Sec-WebSocket-Version"
            raise Refusal(426, f"WebSocket version 13 is the only one supported; got {shown}", _VERSION_13)
        try:
            key = base64.b64decode(self.headers.get("sec-websocket-key", "").strip(), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 16:
            raise Refusal(400, "Sec-WebSocket-Key must be 16 random bytes in base64")

    @property
    def websocket_key(self) -> bytes:
        """The Sec-WebSocket-Key as sent (checked by `check_websocket_upgrade`): the 101 answers it."""
        return self.headers.get("sec-websocket-key", "").strip().encode("ascii")

    def offered_subprotocols(self) -> list[str]:
        raw = self.headers.get("sec-websocket-protocol", "")
        return [token.strip() for token in raw.split(",") if token.strip()]

    def basic_credentials(self) -> tuple[str, bytes] | None:
        """(username, password bytes) from `Authorization: Basic`, None when absent.

        The password stays bytes: a 1.6 AuthorizationKey may be sent as raw, non-UTF-8 bytes.
        """
        header = self.headers.get("authorization")
        if header is None:
            return None
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            raise Refusal(401, "Authorization must use the Basic scheme", _CHALLENGE)
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Refusal(401, "Authorization header is not valid base64", _CHALLENGE) from None
        username, sep, password = decoded.partition(b":")
        if not sep:
            raise Refusal(401, "Basic credentials must be username:password", _CHALLENGE)
        return username.decode("utf-8", "replace"), password


_CHALLENGE = {"WWW-Authenticate": 'Basic realm="switchyard", charset="UTF-8"'}
_VERSION_13 = {"Sec-WebSocket-Version": "13"}
_UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", **_VERSION_13}


def _tokens(header: str) -> set[str]:
    return {token.strip().lower() for token in header.split(",")}


def challenge(message: str) -> Refusal:
    return Refusal(401, message, _CHALLENGE)


def identity_from_path(path: str, prefix: str) -> str:
    """The station identity: the one path segment after `prefix`, percent-decoded.

    Nothing else is accepted: not `{prefix}/x/{identity}`, nor dot segments that a proxy in front of
    us would have resolved to another path."""
    base = prefix.rstrip("/") + "/"
    if not path.startswith(base):
        raise Refusal(404, f"stations connect under {base}{{identity}}")
    segment = path[len(base) :]
    if "/" in segment:
        raise Refusal(404, f"stations connect under {base}{{identity}}, with nothing between or after")
    if not segment:
        raise Refusal(404, "the URL ends without a station identity")
    try:
        identity = unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "station identity is not valid UTF-8 after percent-decoding") from None
    problem = identity_problem(identity)
    if problem is not None:
        raise Refusal(400, f"station identity: {problem}")
    return identity


def connected_url(secure: bool, host: str, path: str, identity: str) -> str:
    """The URL a station connected on, without its identity: `ws://host/prefix` or `wss://host/prefix`.

    `host` is the Host header as sent (or the listener's address when there was none), `path` the
    request path; its last segment is dropped when it names `identity` (as the identity's own segment,
    percent-encoded or not), so the prefix keeps the station's spelling. A trailing slash after the
    identity is tolerated. Migration compares this with the URL a station was told to use, so nothing
    here is normalised: what the station sent is what it is compared by.
    """
    stem = path[:-1] if path.endswith("/") and len(path) > 1 else path
    head, _, segment = stem.rpartition("/")
    # The plain case is an equality; only a percent-encoded segment is decoded (once per connection).
    if segment and (segment == identity or ("%" in segment and unquote(segment) == identity)):
        path = head
    return f"{'wss' if secure else 'ws'}://{host}{path}"


def listener_host(sockname: object) -> str | None:
    """`host:port` of a listening socket's address (`[v6]:port`), for a request without a Host header."""
    if not isinstance(sockname, tuple) or len(sockname) < 2:
        return None
    address, port = str(sockname[0]), sockname[1]
    if ":" in address:
        # A zone id is written %25 inside the brackets (RFC 6874).
        return f"[{address.replace('%', '%25')}]:{port}"
    return f"{address}:{port}"


def negotiate(offered: list[str], configured_version: str | None) -> Dialect | None:
    """The dialect to speak, or None when nothing offered is acceptable.

    A registered station speaks its configured version only. An unregistered one (open registration)
    gets the first supported subprotocol in its own order of preference.
    """
    for token in offered:
        dialect = BY_SUBPROTOCOL.get(token)
        if dialect is None:
            continue
        if configured_version is None or dialect.version == configured_version:
            return dialect
    return None

"""Secrets at rest: station passwords (salted PBKDF2, ADR 0003) and API keys (SHA-256 of a random secret).

1.6 stations are configured with an AuthorizationKey of 16-20 bytes written as up to 40 hex digits;
some firmware sends the hex text in the Basic-auth header, some the decoded bytes. A 1.6 password
given as 32-40 hex digits is stored in its lowercase hex form and either presentation is accepted.

Presented passwords are compared as exact bytes. PBKDF2's HMAC pads a key shorter than its block with
zero bytes (and hashes a longer one), so `pw` and `pw\x00` would give the same digest: text passwords
are therefore hashed as the SHA-256 of their bytes (form `sha256`, always 32 bytes). Hashes stored in
the older `text` form still verify, for presented bytes without a NUL (no text password has one).
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from switchyard.errors import InvalidInput
from switchyard.ids import is_id

_ALGORITHM = "pbkdf2_sha256"
# 16-20 bytes as hex digits (any case); the length is checked separately, and must be even.
_HEX_KEY = re.compile(r"[0-9A-Fa-f]{32,40}")
API_KEY_PREFIX = "sy_"


def _is_hex_key(value: bytes | str) -> bool:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    return len(text) % 2 == 0 and _HEX_KEY.fullmatch(text) is not None


def check_station_password(password: str, ocpp_version: str) -> None:
    """Raise InvalidInput unless `password` is acceptable for a station of this OCPP version."""
    if not password.isprintable():
        raise InvalidInput("password: must not contain control characters")
    if ocpp_version == "1.6":
        if _is_hex_key(password):
            return
        if 16 <= len(password.encode()) <= 20:
            return
        raise InvalidInput(
            "password: a 1.6 AuthorizationKey is 16-20 bytes, given as 16-20 characters "
            f"or as 32-40 hex digits; got {len(password)} characters"
        )
    if not 16 <= len(password) <= 64:
        raise InvalidInput(f"password: a 2.0.1 BasicAuthPassword has 16-64 characters; got {len(password)}")


# A password Switchyard generated has 160 (1.6) or 192 (2.0.1) random bits: stretching adds nothing an
# attacker with the database would notice, and costs every login (ADR 0008). Chosen ones are stretched.
GENERATED_PASSWORD_ITERATIONS = 1


def generate_station_password(ocpp_version: str) -> str:
    return secrets.token_hex(20) if ocpp_version == "1.6" else secrets.token_urlsafe(24)


def hash_station_password(password: str, ocpp_version: str, iterations: int) -> str:
    form = "hex" if ocpp_version == "1.6" and _is_hex_key(password) else "sha256"
    secret = password.lower().encode() if form == "hex" else hashlib.sha256(password.encode()).digest()
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret, salt, iterations)
    return "$".join((_ALGORITHM, str(iterations), form, _b64(salt), _b64(digest)))


def verify_station_password(presented: bytes, stored: str) -> bool:
    try:
        algorithm, iterations, form, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algorithm != _ALGORITHM:
        return False
    if form == "hex":
        # Always hex text of the key: exact, whatever bytes were presented.
        candidate = presented.lower() if _is_hex_key(presented) else presented.hex().encode()
    elif form == "sha256":
        candidate = hashlib.sha256(presented).digest()
    elif form == "text" and b"\x00" not in presented:
        candidate = presented
    else:
        return False
    actual = hashlib.pbkdf2_hmac("sha256", candidate, _unb64(salt), int(iterations))
    return hmac.compare_digest(actual, _unb64(digest))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return binascii.a2b_base64(text)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key_id: str
    token: str
    secret_hash: str


def new_api_key(key_id: str) -> NewApiKey:
    # The secret is 256 random bits, so a plain SHA-256 is enough to protect it at rest.
    secret = secrets.token_urlsafe(32)
    return NewApiKey(key_id, f"{API_KEY_PREFIX}{key_id}_{secret}", api_secret_hash(secret))


def api_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, or None."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    key_id, sep, secret = token[len(API_KEY_PREFIX) :].partition("_")
    if not sep or not is_id(key_id) or not secret:
        return None
    return key_id, secret


def api_secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(api_secret_hash(secret), secret_hash)

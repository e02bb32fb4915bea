"""Standard Webhooks (https://www.standardwebhooks.com): secrets and signatures.

A secret is `whsec_` and the base64 of 24-64 random bytes; the bytes are the HMAC key. The
signature of a message is `v1,<base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))>`, sent in the
`webhook-signature` header with `webhook-id` and `webhook-timestamp` (unix seconds).
"""

import base64
import binascii
import hashlib
import hmac
import secrets

from switchyard.errors import InvalidInput

PREFIX = "whsec_"
GENERATED_BYTES = 32
MIN_BYTES, MAX_BYTES = 24, 64
SECRET_RULE = f"must be '{PREFIX}' followed by the base64 of {MIN_BYTES} to {MAX_BYTES} random bytes"


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; InvalidInput (which never repeats the secret) when malformed."""
    if not secret.startswith(PREFIX):
        raise InvalidInput(f"secret: {SECRET_RULE}")
    try:
        raw = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"secret: {SECRET_RULE}; the part after '{PREFIX}' is not base64") from None
    if not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise InvalidInput(f"secret: {SECRET_RULE}; got {len(raw)} bytes")
    return raw


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(key: bytes, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(key, message_id, timestamp, body),
    }

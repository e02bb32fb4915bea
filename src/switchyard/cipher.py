"""Secrets that must be usable later (webhook signing secrets), encrypted at rest with AES-256-GCM.

The key is `SWITCHYARD_SECRET_KEY` (the base64 of 32 random bytes) when set; otherwise a key file,
created with mode 0600 on first use: `<database file>.key` next to a SQLite database, or
`switchyard.key` in the working directory for any other database (ADR 0005).

Stored form: `v1.<key id>.<base64url(nonce + ciphertext + tag)>`. The key id (8 hex digits of the
key's SHA-256) lets a node with the wrong key say so instead of failing obscurely. The associated
data binds a ciphertext to the row it belongs to, so it cannot be moved to another row.
"""

import base64
import binascii
import hashlib
import os
import secrets
from pathlib import Path

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from switchyard.errors import SwitchyardError

log = structlog.get_logger("switchyard.webhooks")

KEY_BYTES = 32
_VERSION = "v1"
_NONCE_BYTES = 12


class SecretKeyError(SwitchyardError):
    """The key is missing, malformed, or not the one a secret was encrypted with."""


def parse_key(text: str) -> bytes:
    """The 32 key bytes from their base64 (standard or URL-safe) text."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise SecretKeyError("the secret key must be the base64 of 32 random bytes") from None
    if len(raw) != KEY_BYTES:
        raise SecretKeyError(f"the secret key must be the base64 of 32 random bytes; it decodes to {len(raw)}")
    return raw


def load_or_create_key_file(path: Path) -> bytes:
    """The key in `path`, created (mode 0600, never overwritten) when the file does not exist."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning("secret key file is readable by others; chmod 600 it", path=str(path), mode=oct(mode))
        return parse_key(path.read_text())
    with os.fdopen(descriptor, "w") as file:
        file.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    log.info("created the secret key file; back it up apart from the database", path=str(path))
    return parse_key(path.read_text())


class SecretCipher:
    """Encrypts and decrypts short secrets; the key is read (or its file created) on first use."""

    def __init__(self, key: str | None, key_file: Path) -> None:
        self._configured = key
        self.key_file = key_file
        self._aead: AESGCM | None = None
        self._key_id = ""

    def _ready(self) -> AESGCM:
        if self._aead is None:
            if self._configured is not None:
                raw = parse_key(self._configured)
            else:
                raw = load_or_create_key_file(self.key_file)
            self._key_id = hashlib.sha256(raw).hexdigest()[:8]
            self._aead = AESGCM(raw)
        return self._aead

    @property
    def key_id(self) -> str:
        self._ready()
        return self._key_id

    def encrypt(self, plaintext: str, context: str) -> str:
        """`plaintext` encrypted for the row named by `context` (its id, say)."""
        aead = self._ready()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_VERSION}.{self._key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, context: str) -> str:
        aead = self._ready()
        try:
            version, key_id, body = stored.split(".")
        except ValueError:
            raise SecretKeyError("not an encrypted secret") from None
        if version != _VERSION:
            raise SecretKeyError(f"unknown secret encryption {version!r}")
        if key_id != self._key_id:
            raise SecretKeyError(f"secret encrypted with key {key_id}, but this node's key is {self._key_id}")
        raw = base64.urlsafe_b64decode(body)
        try:
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise SecretKeyError("secret does not decrypt: altered, or moved from another row") from None

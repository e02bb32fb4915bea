"""Station passwords for a simulated fleet: from a file, or derived from a seed so both sides agree."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

from switchyard.errors import InvalidInput


def derived_password(seed: str, identity: str, ocpp: str) -> str:
    """A password that meets the version's rules, the same every time for a seed and an identity."""
    digest = hmac.new(seed.encode(), identity.encode(), hashlib.sha256).digest()
    if ocpp == "1.6":
        return digest[:20].hex()  # a 20-byte AuthorizationKey as 40 hex digits
    return base64.urlsafe_b64encode(digest).decode()[:32]


def passwords_from_file(path: Path) -> dict[str, str]:
    """`identity,password` lines (a CSV without header) or a JSON object {identity: password}."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the passwords file ({exc.__class__.__name__})") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise InvalidInput(f"{path}: expected a JSON object of identity to password")
        return {str(k): v for k, v in data.items()}
    passwords = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        identity, sep, password = line.partition(",")
        if not sep or not identity.strip() or not password.strip():
            raise InvalidInput(f"{path}:{number}: expected identity,password")
        passwords[identity.strip()] = password.strip()
    return passwords

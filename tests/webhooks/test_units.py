"""The pieces without a node: patterns, redaction, signatures, the secret cipher, back-off, event status."""

import base64
import os
import re
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from switchyard.cipher import SecretCipher, SecretKeyError
from switchyard.core.webhooks.outbox import redact_data
from switchyard.core.webhooks.patterns import matches, normalize_patterns, pattern_problem
from switchyard.core.webhooks.queue import event_status
from switchyard.core.webhooks.sender import RetryPolicy
from switchyard.core.webhooks.signing import generate_secret, headers, secret_bytes
from switchyard.errors import InvalidInput
from switchyard.settings import Settings
from switchyard.store.database import default_key_file
from tests.webhooks.helpers import verify

LAST_ONLY = "'*' may only stand for the last segment, as in 'chargestation.*'"
WHOLE = "'*' must be a whole segment, as in 'chargestation.*'"
SEGMENTS = "segments are lowercase letters, digits, '_' and '-', separated by single dots"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("*", None),
        ("chargestation.*", None),
        ("chargestation.update_configuration.*", None),
        ("chargestation.update_configuration.accepted", None),
        ("chargestation.*.accepted", LAST_ONLY),
        ("*.accepted", LAST_ONLY),
        ("charge*", WHOLE),
        ("chargestation.**", WHOLE),
        ("Chargestation.reset", SEGMENTS),
        ("chargestation..reset", SEGMENTS),
        ("chargestation.reset.", SEGMENTS),
        (".reset", SEGMENTS),
        ("charge station", SEGMENTS),
        ("", "must not be empty"),
        ("a" * 101, "has 101 characters; at most 100 allowed"),
    ],
)
def test_patterns_are_types_or_a_trailing_wildcard(pattern: str, problem: str | None) -> None:
    assert pattern_problem(pattern) == problem


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "chargestation.reset.accepted", True),
        (["chargestation.*"], "chargestation.update_configuration.accepted", True),
        (["chargestation.*"], "chargestation.reset", True),
        (["chargestation.*"], "chargestation", False),
        (["chargestation.*"], "chargestations.reset", False),
        (["chargestation.update_configuration.*"], "chargestation.update_configuration.rejected", True),
        (["chargestation.update_configuration.*"], "chargestation.get_configuration.accepted", False),
        (["chargestation.reset.accepted"], "chargestation.reset.accepted", True),
        (["chargestation.reset.accepted"], "chargestation.reset.accepted.late", False),
        (["chargestation.reset"], "chargestation.reset.accepted", False),
        (["a.b", "chargestation.reset.*"], "chargestation.reset.failed", True),
        ([], "chargestation.reset.failed", False),
    ],
)
def test_matching(patterns: list[str], event_type: str, expected: bool) -> None:
    assert matches(patterns, event_type) is expected


def test_patterns_are_normalized() -> None:
    assert normalize_patterns(None) == ["*"]
    assert normalize_patterns(["b.*", "a.x", "b.*"]) == ["b.*", "a.x"]
    with pytest.raises(InvalidInput, match="name at least one event type or pattern"):
        normalize_patterns([])
    with pytest.raises(InvalidInput) as refused:
        normalize_patterns(["ok.*", "chargestation.*.accepted"])
    assert refused.value.message == f"events: 'chargestation.*.accepted': {LAST_ONLY}"
    with pytest.raises(InvalidInput, match="at most 50"):
        normalize_patterns([f"t.e{n}" for n in range(51)])


def test_event_data_is_redacted_defensively() -> None:
    data = {
        "_id": "645e58b1a448ff6e42285ceb",
        "data": {"key": "AuthorizationKey", "value": "0123456789abcdef"},
        "response_data": {"status": "Accepted"},
        "Password": "hunter2-hunter2",
        "nested": [{"basicAuthPassword": "p" * 20}, {"clientSecret": "s"}, {"apnPassword": None}],
        "settings": [
            {"key": "HeartbeatInterval", "value": "900"},
            {"key": "SecurityCtrlr.BasicAuthPassword", "value": "q" * 20},
            {"variable": {"name": "BasicAuthPassword"}, "attributeValue": "r" * 20},
            {"name": "authorizationkey", "value": "s" * 16},
        ],
        "authorizationKey": {"deep": "anything"},
    }
    before = repr(data)
    assert redact_data(data) == {
        "_id": "645e58b1a448ff6e42285ceb",
        "data": {"key": "AuthorizationKey", "value": "***"},
        "response_data": {"status": "Accepted"},
        "Password": "***",
        "nested": [{"basicAuthPassword": "***"}, {"clientSecret": "***"}, {"apnPassword": "***"}],
        "settings": [
            {"key": "HeartbeatInterval", "value": "900"},
            {"key": "SecurityCtrlr.BasicAuthPassword", "value": "***"},
            {"variable": {"name": "BasicAuthPassword"}, "attributeValue": "***"},
            {"name": "authorizationkey", "value": "***"},
        ],
        "authorizationKey": "***",
    }
    assert repr(data) == before, "the caller's data is not changed"


def test_a_signature_verifies_with_the_standard_check() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 32
    body = b'{"_id":"645e58b3ae617200083acdbc","type":"chargestation.update_configuration.accepted"}'
    now = int(datetime.now(UTC).timestamp())
    sent = headers(secret_bytes(secret), "645e58b3ae617200083acdbc", now, body)
    assert sent["content-type"] == "application/json"
    assert sent["webhook-id"] == "645e58b3ae617200083acdbc"
    assert sent["webhook-timestamp"] == str(now)
    assert sent["webhook-signature"].startswith("v1,")
    assert verify(secret, sent, body)
    assert not verify(secret, sent, body.replace(b"accepted", b"rejected"))
    assert not verify(generate_secret(), sent, body)
    assert not verify(secret, {**sent, "webhook-timestamp": str(now - 1)}, body)


def test_the_standard_webhooks_test_vector() -> None:
    # From the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    sent = headers(secret_bytes(secret), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert sent["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", ""),
        ("whsec_not base64!", "; the part after 'whsec_' is not base64"),
        ("whsec_" + base64.b64encode(b"x" * 23).decode(), "; got 23 bytes"),
        ("whsec_" + base64.b64encode(b"x" * 65).decode(), "; got 65 bytes"),
    ],
)
def test_malformed_secrets_are_refused_without_being_repeated(secret: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        secret_bytes(secret)
    rule = "must be 'whsec_' followed by the base64 of 24 to 64 random bytes"
    assert refused.value.message == f"secret: {rule}{problem}"
    assert secret not in refused.value.message


def test_the_cipher_round_trips_and_binds_to_its_row(tmp_path: Path) -> None:
    cipher = SecretCipher(None, tmp_path / "k.key")
    stored = cipher.encrypt("whsec_abc", "row-1")
    assert "whsec_abc" not in stored
    assert stored.startswith(f"v1.{cipher.key_id}.")
    assert cipher.encrypt("whsec_abc", "row-1") != stored, "a fresh nonce each time"
    assert cipher.decrypt(stored, "row-1") == "whsec_abc"
    with pytest.raises(SecretKeyError, match="moved from another row"):
        cipher.decrypt(stored, "row-2")
    other = SecretCipher(base64.b64encode(os.urandom(32)).decode(), tmp_path / "unused.key")
    with pytest.raises(SecretKeyError, match=f"encrypted with key {cipher.key_id}, but this node's key is"):
        other.decrypt(stored, "row-1")
    assert not (tmp_path / "unused.key").exists(), "a configured key makes no file"


def test_the_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "switchyard.db.key"
    first = SecretCipher(None, path)
    assert not path.exists(), "created on first use, not before"
    stored = first.encrypt("whsec_x", "r")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text())) == 32
    again = SecretCipher(None, path)
    assert again.decrypt(stored, "r") == "whsec_x"
    assert again.key_id == first.key_id


def test_where_the_key_file_lives() -> None:
    assert default_key_file("sqlite+aiosqlite:////var/lib/sy/switchyard.db") == Path("/var/lib/sy/switchyard.db.key")
    assert default_key_file("sqlite+aiosqlite:///switchyard.db") == Path("switchyard.db.key")
    assert default_key_file("postgresql+asyncpg://u:p@db/sy") == Path("switchyard.key")
    assert default_key_file("sqlite+aiosqlite:///:memory:") == Path("switchyard.key")


def test_a_malformed_secret_key_setting_is_refused_without_echo() -> None:
    good = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    assert Settings(secret_key=good).secret_key is not None
    assert good not in repr(Settings(secret_key=good))
    with pytest.raises(ValidationError) as refused:
        Settings(secret_key="c2hvcnQ-not-32-bytes")
    (error,) = refused.value.errors()
    assert "the secret key must be the base64 of 32 random bytes" in error["msg"]
    assert "not-32-bytes" not in error["msg"]


def test_back_off_doubles_with_jitter_up_to_the_cap_then_gives_up() -> None:
    policy = RetryPolicy(base=5, max_delay=3600, give_up_after=86400)
    assert [policy.delay(n, 0.5) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert policy.delay(1, 0.0) == 4.0
    assert policy.delay(1, 0.999) == pytest.approx(5.998)
    assert policy.delay(30, 0.5) == 3600
    assert policy.delay(500, 0.9) == 3600
    created = datetime(2026, 1, 1, tzinfo=UTC)
    retry = policy.next_attempt(created, 3, created + timedelta(hours=1))
    assert retry is not None
    assert timedelta(seconds=16) <= retry - (created + timedelta(hours=1)) <= timedelta(seconds=24)
    assert policy.next_attempt(created, 40, created + timedelta(hours=24)) is None


def test_an_events_status_is_its_latest_deliveries() -> None:
    assert event_status([]) == "skipped"
    assert event_status([("a", 1, "delivered"), ("b", 2, "pending")]) == "pending"
    assert event_status([("a", 1, "delivered"), ("b", 2, "failed")]) == "failed"
    # A replay that got through supersedes the failed delivery to the same subscription.
    assert event_status([("a", 1, "failed"), ("a", 3, "delivered"), ("b", 2, "delivered")]) == "delivered"
    assert event_status([("a", 3, "failed"), ("a", 1, "delivered")]) == "failed"


def test_the_documented_example_verifies_with_the_documented_code(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    secret = re.search(r'"secret": "(whsec_[^"]+)"', doc)
    request = re.search(r"```http\n(.*?)\n\n(.*?)\n```", doc, re.DOTALL)
    code = re.search(r"```python\n(import base64.*?)```", doc, re.DOTALL)
    assert secret is not None
    assert request is not None
    assert code is not None
    sent = dict(line.split(": ", 1) for line in request.group(1).splitlines()[1:])
    body = request.group(2).encode()
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)  # noqa: S102  # our own documentation
    monkeypatch.setattr(time, "time", lambda: int(sent["webhook-timestamp"]) + 10)
    assert namespace["verify"](secret.group(1), sent, body)
    assert not namespace["verify"](secret.group(1), sent, body.replace(b"901", b"902"))
    assert headers(secret_bytes(secret.group(1)), sent["webhook-id"], int(sent["webhook-timestamp"]), body) == {
        k: v for k, v in sent.items() if k.startswith("webhook-") or k == "content-type"
    }

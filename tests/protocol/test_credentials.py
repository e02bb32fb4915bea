"""Station passwords at rest (salted PBKDF2) and the two ways 1.6 firmware presents them."""

import base64
import hashlib

import pytest

from switchyard.credentials import (
    api_secret_matches,
    check_station_password,
    hash_station_password,
    new_api_key,
    split_api_key,
    verify_station_password,
)
from switchyard.errors import InvalidInput

HEX_KEY = "00112233445566778899AABBCCDDEEFF0011AABB"  # 20 bytes, as configured with ChangeConfiguration


def test_16_hex_key_accepts_the_hex_text_in_any_case_and_the_raw_bytes() -> None:
    stored = hash_station_password(HEX_KEY, "1.6", 10)
    assert verify_station_password(HEX_KEY.encode(), stored)
    assert verify_station_password(HEX_KEY.lower().encode(), stored)
    assert verify_station_password(bytes.fromhex(HEX_KEY), stored)
    assert not verify_station_password(bytes.fromhex(HEX_KEY)[:-1] + b"\x00", stored)
    assert not verify_station_password(b"00112233445566778899AABBCCDDEEFF0011AABC", stored)


def test_16_text_key_and_201_passwords_are_compared_as_given() -> None:
    stored = hash_station_password("sixteen-chars-ok", "1.6", 10)
    assert verify_station_password(b"sixteen-chars-ok", stored)
    assert not verify_station_password(b"sixteen-chars-OK", stored)
    stored_201 = hash_station_password("0011223344556677889900aabbccddeeff", "2.0.1", 10)
    assert verify_station_password(b"0011223344556677889900aabbccddeeff", stored_201)
    assert not verify_station_password(bytes.fromhex("0011223344556677889900aabbccddeeff"), stored_201)


def test_hashes_are_salted_and_record_their_cost() -> None:
    first, second = (hash_station_password("sixteen-chars-ok", "1.6", 7) for _ in range(2))
    assert first != second
    assert first.split("$")[:3] == ["pbkdf2_sha256", "7", "sha256"]
    assert "sixteen" not in first


@pytest.mark.parametrize(("password", "version"), [("sixteen-chars-ok", "1.6"), ("correct-horse-battery", "2.0.1")])
def test_a_password_with_nul_bytes_appended_is_refused(password: str, version: str) -> None:
    """Regression: PBKDF2's HMAC pads a short key with zero bytes, so `pw` + NUL gave the same digest
    and was let in. Text passwords are compared as exact bytes now."""
    stored = hash_station_password(password, version, 10)
    assert verify_station_password(password.encode(), stored)
    for near in (b"\x00", b"\x00\x00", b"\x00" * 48):
        assert not verify_station_password(password.encode() + near, stored)
    long = "p" * 64  # longer than HMAC's block: HMAC would hash it, so its digest must not match either
    stored_long = hash_station_password(long, "2.0.1", 10)
    assert not verify_station_password(hashlib.sha256(long.encode()).digest(), stored_long)


def test_hashes_in_the_older_text_form_still_verify_but_never_with_a_nul() -> None:
    salt = b"s" * 16
    digest = hashlib.pbkdf2_hmac("sha256", b"sixteen-chars-ok", salt, 10)
    stored = "$".join(
        ("pbkdf2_sha256", "10", "text", base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    )
    assert verify_station_password(b"sixteen-chars-ok", stored)
    assert not verify_station_password(b"sixteen-chars-ok\x00", stored)


def test_new_passwords_with_control_characters_are_refused() -> None:
    with pytest.raises(InvalidInput, match="control characters"):
        check_station_password("sixteen-chars-o\x00", "2.0.1")


def test_broken_hash_never_verifies() -> None:
    assert not verify_station_password(b"anything", "garbage")
    assert not verify_station_password(b"anything", "md5$1$text$aa$bb")


@pytest.mark.parametrize(
    ("password", "version", "ok"),
    [
        ("a" * 16, "1.6", True),
        ("a" * 20, "1.6", True),
        ("a" * 21, "1.6", False),
        ("a" * 15, "1.6", False),
        ("ab" * 16, "1.6", True),
        ("ab" * 20, "1.6", True),
        ("ab" * 21, "1.6", False),
        ("a" * 16, "2.0.1", True),
        ("a" * 64, "2.0.1", True),
        ("a" * 65, "2.0.1", False),
        ("a" * 15, "2.0.1", False),
    ],
)
def test_password_rules_per_version(password: str, version: str, ok: bool) -> None:
    if ok:
        check_station_password(password, version)
    else:
        with pytest.raises(InvalidInput, match="password"):
            check_station_password(password, version)


def test_api_keys_round_trip_and_are_stored_as_hashes() -> None:
    key = new_api_key("0123456789abcdef01234567")
    parts = split_api_key(key.token)
    assert parts is not None
    assert parts[0] == "0123456789abcdef01234567"
    assert api_secret_matches(parts[1], key.secret_hash)
    assert parts[1] not in key.secret_hash
    assert not api_secret_matches(parts[1] + "x", key.secret_hash)
    for bad in (
        "",
        "sy_",
        "sy_nothex_secret",
        "bearer",
        "sy_0123456789abcdef01234567",
        "xx_0123456789abcdef01234567_s",
    ):
        assert split_api_key(bad) is None

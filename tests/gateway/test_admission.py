"""Admission's rules, table by table, against a directory in memory: which connection each security
profile lets in, and, while a station is moved to another profile, either."""

import base64
from dataclasses import dataclass, field

import pytest

from switchyard.credentials import hash_station_password
from switchyard.domain import RegistrationState, StationRecord
from switchyard.gateway.admission import Admission, Admitted, TlsPeer
from switchyard.gateway.upgrade import Refusal, UpgradeRequest

PASSWORD = "0123456789abcdef0123456789abcdef"
KEY = base64.b64encode(b"k" * 16).decode()


@dataclass
class Directory:
    """A `StationDirectory` holding one station (no pending passwords)."""

    record: StationRecord
    found: list[str] = field(default_factory=list)

    async def find(self, identity: str) -> StationRecord | None:
        return self.record if identity == self.record.identity else None

    async def register_unknown(
        self, identity: str, ocpp_version: str, security_profile: int, password_hash: str | None
    ) -> StationRecord:
        raise AssertionError("no open registration here")

    async def passwords(self, station_id: str) -> tuple[str | None, list[str]]:
        return self.record.password_hash, []

    async def adopt_password(self, station: StationRecord, password_hash: str) -> StationRecord | None:
        return None


def record(profile: int, migrating: int | None) -> StationRecord:
    return StationRecord(
        station_id="s" * 24,
        identity="CP-1",
        operator_id="o" * 24,
        ocpp_version="1.6",
        security_profile=profile,
        password_hash=hash_station_password(PASSWORD, "1.6", 1),
        registration_state=RegistrationState.ACCEPTED,
        last_boot_status="Accepted",
        serial_number="SN-1",
        migrating_security_profile=migrating,
    )


def request(password: str | None, host: str | None = "csms.test:9000") -> UpgradeRequest:
    headers = {
        "upgrade": "websocket",
        "connection": "Upgrade",
        "sec-websocket-version": "13",
        "sec-websocket-key": KEY,
        "sec-websocket-protocol": "ocpp1.6",
    }
    if host is not None:
        headers["host"] = host
    if password is not None:
        headers["authorization"] = "Basic " + base64.b64encode(f"CP-1:{password}".encode()).decode()
    return UpgradeRequest("GET", "/ocpp/CP-1", headers)


def peer(transport: str) -> TlsPeer:
    """ws, wss (TLS without a client certificate), or wss+cert=CN (with one)."""
    if transport == "ws":
        return TlsPeer(secure=False, address="192.0.2.1")
    if transport == "wss":
        return TlsPeer(secure=True, address="192.0.2.1")
    cn = transport.removeprefix("wss+cert=")
    return TlsPeer(secure=True, certificate={"subject": ((("commonName", cn),),)}, address="192.0.2.1")


async def admit(station: StationRecord, transport: str, password: str | None) -> Admitted:
    admission = Admission(Directory(station), "/ocpp", open_registration=False, password_iterations=1)
    return await admission.admit(request(password), peer(transport))


WRONG = "f" * 32

# (security profile, migrating to, transport, Basic password, None when admitted or what the refusal says)
TABLE = [
    # one profile, as before
    (1, None, "ws", PASSWORD, None),
    (1, None, "ws", WRONG, "wrong password"),
    (1, None, "wss", PASSWORD, "profile 1: connect with ws://"),
    (2, None, "wss", PASSWORD, None),
    (2, None, "ws", PASSWORD, "profile 2: connect with wss://"),
    (2, None, "wss+cert=SN-1", None, "Basic credentials are required"),
    (3, None, "wss+cert=SN-1", None, None),
    (3, None, "wss+cert=CP-1", None, None),
    (3, None, "wss", PASSWORD, "profile 3: connect over TLS with a client certificate"),
    (3, None, "wss+cert=SN-9", None, "CN 'SN-9' matches neither"),
    # "migrating" to the profile it has changes nothing
    (1, 1, "wss", PASSWORD, "profile 1: connect with ws://"),
    # 1 -> 2: Basic over ws or over TLS, the password checked either way
    (1, 2, "ws", PASSWORD, None),
    (1, 2, "wss", PASSWORD, None),
    (1, 2, "ws", WRONG, "wrong password"),
    (1, 2, "wss", WRONG, "wrong password"),
    (1, 2, "wss", None, "Basic credentials are required"),
    # 2 -> 3: Basic over TLS as before, or a client certificate that names the station
    (2, 3, "wss", PASSWORD, None),
    (2, 3, "wss+cert=SN-1", None, None),
    (2, 3, "wss+cert=SN-9", None, "CN 'SN-9' matches neither"),
    (2, 3, "wss+cert=SN-9", PASSWORD, None),
    (2, 3, "ws", PASSWORD, "profile 2: connect with wss://"),
    (2, 3, "wss", None, "Basic credentials are required"),  # neither Basic nor a certificate
    # and back: 3 -> 2 (a certificate that expired), 2 -> 1
    (3, 2, "wss", PASSWORD, None),
    (3, 2, "wss+cert=SN-1", None, None),
    (3, 2, "ws", PASSWORD, "profile 3: connect over TLS"),
    (2, 1, "ws", PASSWORD, None),
    (2, 1, "wss", PASSWORD, None),
]


@pytest.mark.parametrize(("profile", "migrating", "transport", "password", "refused"), TABLE)
async def test_who_is_admitted(
    profile: int, migrating: int | None, transport: str, password: str | None, refused: str | None
) -> None:
    station = record(profile, migrating)
    if refused is None:
        admitted = await admit(station, transport, password)
        assert admitted.record == station
        assert admitted.dialect is not None
        return
    with pytest.raises(Refusal) as refusal:
        await admit(station, transport, password)
    assert refusal.value.status == 401
    assert refused in refusal.value.message


@pytest.mark.parametrize(
    ("host", "listener", "url"),
    [
        ("csms.test:9000", None, "ws://csms.test:9000/ocpp"),
        ("[2001:db8::1]:9000", None, "ws://[2001:db8::1]:9000/ocpp"),
        (None, "127.0.0.1:9000", "ws://127.0.0.1:9000/ocpp"),
    ],
)
async def test_the_admitted_station_carries_its_url(host: str | None, listener: str | None, url: str) -> None:
    admission = Admission(Directory(record(1, None)), "/ocpp", open_registration=False, password_iterations=1)
    admitted = await admission.admit(request(PASSWORD, host), TlsPeer(secure=False, listener=listener))
    assert admitted.url == url

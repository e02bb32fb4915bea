"""Security profiles 2 and 3 are accepted only where the station listeners can serve them.

Issue 8: the API registered a profile 2 or 3 station on a node without a TLS listener, and that station
could never connect (profile 2 needs wss://, profile 3 also client certificates checked against a CA).
"""

from pathlib import Path
from typing import Any

import pytest

from switchyard.core.registry import Registry, StationTls
from tests.api.helpers import expect, unique
from tests.support import PASSWORD_16, RunningNode, running_node, tls_settings

STATIONS = "/v1.1/chargestations"
NO_LISTENER_2 = (
    "securityProfile 2 needs the TLS station listener (wss://), which this Switchyard does not run: "
    "set SWITCHYARD_TLS_CERT_FILE and SWITCHYARD_TLS_KEY_FILE (switchyard serve --tls-cert, --tls-key) "
    "and restart it, or use securityProfile 1"
)
NO_LISTENER_3 = (
    "securityProfile 3 needs the TLS station listener (wss://) with client certificates, which this "
    "Switchyard does not run: set SWITCHYARD_TLS_CERT_FILE, SWITCHYARD_TLS_KEY_FILE and "
    "SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-cert, --tls-key, --tls-client-ca) and restart it"
)
NO_CLIENT_CA_3 = (
    "securityProfile 3 needs client certificates, and this Switchyard's TLS station listener checks none: "
    "set SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-client-ca) to the CA that signs the "
    "stations' certificates and restart it"
)


def body(profile: int, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"identity": unique("CP"), "ocppVersion": "1.6", "securityProfile": profile}
    if profile in (1, 2):
        values["password"] = PASSWORD_16
    else:
        values["serialNumber"] = "SN-1"
    return values | extra


async def stations(node: RunningNode) -> list[str]:
    return [s["identity"] for s in expect(await node.api.get(STATIONS, headers=node.auth()), 200)]


@pytest.mark.parametrize(("profile", "message"), [(2, NO_LISTENER_2), (3, NO_LISTENER_3)])
async def test_without_a_tls_listener_profiles_2_and_3_are_refused(
    node: RunningNode, profile: int, message: str
) -> None:
    """Regression (issue 8): created with 201, and the station could never connect."""
    expect(await node.api.post(STATIONS, json=body(profile), headers=node.auth()), 409, message)
    assert await stations(node) == []
    expect(await node.api.post(STATIONS, json=body(1), headers=node.auth()), 201)


async def test_without_a_client_ca_profile_3_is_refused_and_profile_2_is_not(tmp_path: Path) -> None:
    async with running_node(tmp_path, **tls_settings(tmp_path, client_ca=False)) as node:
        expect(await node.api.post(STATIONS, json=body(3), headers=node.auth()), 409, NO_CLIENT_CA_3)
        created = expect(await node.api.post(STATIONS, json=body(2), headers=node.auth()), 201)
        assert created["securityProfile"] == 2
        patched = await node.api.patch(f"{STATIONS}/{created['_id']}", json={"securityProfile": 3}, headers=node.auth())
        expect(patched, 409, NO_CLIENT_CA_3)


async def test_with_a_tls_listener_and_a_client_ca_every_profile_is_accepted(tls_node: RunningNode) -> None:
    for profile in (1, 2, 3):
        created = expect(await tls_node.api.post(STATIONS, json=body(profile), headers=tls_node.auth()), 201)
        assert created["securityProfile"] == profile


@pytest.mark.parametrize(("profile", "message"), [(2, NO_LISTENER_2), (3, NO_LISTENER_3)])
async def test_a_patch_to_profile_2_or_3_without_a_tls_listener_is_refused(
    node: RunningNode, profile: int, message: str
) -> None:
    """Regression (issue 8): a PATCH could move a station to a profile it could never connect with."""
    created = expect(await node.api.post(STATIONS, json=body(1), headers=node.auth()), 201)
    url = f"{STATIONS}/{created['_id']}"
    change: dict[str, Any] = {"securityProfile": profile, "serialNumber": "SN-2"}
    expect(await node.api.patch(url, json=change, headers=node.auth()), 409, message)
    after = expect(await node.api.get(url, headers=node.auth()), 200)
    assert (after["securityProfile"], after["serialNumber"]) == (1, None), "nothing of the refused PATCH stayed"


async def test_a_station_registered_with_tls_stays_editable_after_tls_is_turned_off(node: RunningNode) -> None:
    """Only a change of profile is refused: a profile 2 station from before stays editable, and can move to 1."""
    admin = await node.sy.registry.keys.authenticate(node.admin_key)
    tls = StationTls(listener=True, client_certificates=True)
    with_tls = Registry(node.sy.registry_store, node.sy.clock, 1, station_tls=tls)
    created = await with_tls.stations.create_station(admin, "CP-EARLIER", "1.6", 2, PASSWORD_16)
    url = f"{STATIONS}/{created.station.id}"
    same = await node.api.patch(url, json={"securityProfile": 2, "serialNumber": "SN-7"}, headers=node.auth())
    assert expect(same, 200)["serialNumber"] == "SN-7"
    down = await node.api.patch(url, json={"securityProfile": 1}, headers=node.auth())
    assert expect(down, 200)["securityProfile"] == 1
    expect(await node.api.patch(url, json={"securityProfile": 2}, headers=node.auth()), 409, NO_LISTENER_2)


def test_the_registry_refuses_unless_told_what_the_listeners_serve() -> None:
    """A Registry built without StationTls (tools, benchmarks) refuses profiles 2 and 3 rather than guess."""
    assert StationTls().refusal(1) is None
    assert StationTls().refusal(2) == NO_LISTENER_2
    assert StationTls().refusal(3) == NO_LISTENER_3
    assert StationTls.configured(Path("c"), None, Path("ca")) == StationTls()
    assert StationTls.configured(Path("c"), Path("k"), None) == StationTls(listener=True)
    assert StationTls.configured(Path("c"), Path("k"), Path("ca")) == StationTls(True, True)

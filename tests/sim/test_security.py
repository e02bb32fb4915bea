"""Passwords and TLS on simulated stations."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from switchyard.sim.station import SimulatedStation
from tests.sim.support import booted_station, register, set_password, spec_for
from tests.support import RunningNode, running_node, tls_settings

NEW_KEY = "00112233445566778899aabbccddeeff00112233"


async def test_16_new_authorization_key_is_used_from_the_next_connection(node: RunningNode) -> None:
    async with booted_station(node, "SEC-16") as station:
        change = {"key": "AuthorizationKey", "value": NEW_KEY}
        assert await node.sy.link.call("SEC-16", "ChangeConfiguration", change) == {"status": "Accepted"}
        assert station.connections == 1, "the current connection stays up"
        # The CSMS that accepted the change stops accepting the old key (A01): it stores the new one.
        await set_password(node, "SEC-16", NEW_KEY)
        await node.sy.link.call("SEC-16", "Reset", {"type": "Soft"})
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1][2] == "Accepted"
        assert station.connections == 2
        answer = await node.sy.link.call("SEC-16", "GetConfiguration", {"key": ["AuthorizationKey"]})
        assert answer["configurationKey"] == [], "the key itself is never reported"


async def test_16_key_presented_as_raw_bytes_is_accepted(node: RunningNode) -> None:
    async with booted_station(node, "SEC-B", key_presentation="bytes") as station:
        assert station.boot_status == "Accepted"


async def test_201_new_basic_auth_password_is_used_from_the_next_connection(node: RunningNode) -> None:
    async with booted_station(node, "SEC-201", "2.0.1") as station:
        new = "a-brand-new-password-1234"
        item = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}
        answer = await node.sy.link.call(
            "SEC-201", "SetVariables", {"setVariableData": [{**item, "attributeValue": new}]}
        )
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
        await set_password(node, "SEC-201", new)
        await node.sy.link.call("SEC-201", "Reset", {"type": "Immediate"})
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1][2] == "Accepted"


TlsNode = tuple[RunningNode, trustme.CA, Path]


@pytest.fixture
async def tls_node(tmp_path: Path) -> AsyncIterator[TlsNode]:
    ca = trustme.CA()
    async with running_node(tmp_path, **tls_settings(tmp_path, ca)) as node:
        yield node, ca, tmp_path


async def test_profile_2_and_3_stations_connect_over_tls(tls_node: TlsNode) -> None:
    node, ca, folder = tls_node
    wss = f"wss://127.0.0.1:{node.sy.gateway.wss_port}/ocpp"
    two = spec_for(node, "TLS-2", "2.0.1", url=wss, security_profile=2, ca_file=folder / "ca.pem")
    await register(node, two)
    cert = ca.issue_cert("tls-3.stations.test", common_name="SN-TLS-3")
    cert.cert_chain_pems[0].write_to_path(folder / "tls3.pem")
    cert.private_key_pem.write_to_path(folder / "tls3.key")
    three = spec_for(
        node,
        "TLS-3",
        "1.6",
        url=wss,
        security_profile=3,
        password=None,
        serial_number="SN-TLS-3",
        ca_file=folder / "ca.pem",
        client_cert=folder / "tls3.pem",
        client_key=folder / "tls3.key",
    )
    await register(node, three)
    async with SimulatedStation(two) as station_two, SimulatedStation(three) as station_three:
        assert await station_two.wait_booted() == "Accepted"
        assert await station_three.wait_booted() == "Accepted"
        assert station_two.value("SecurityCtrlr.SecurityProfile") == "2"


async def test_a_station_that_does_not_trust_the_csms_never_connects(
    tls_node: tuple[RunningNode, trustme.CA, Path],
) -> None:
    node, _, folder = tls_node
    wss = f"wss://127.0.0.1:{node.sy.gateway.wss_port}/ocpp"
    other = trustme.CA()
    other.cert_pem.write_to_path(folder / "other.pem")
    spec = spec_for(node, "TLS-X", "2.0.1", url=wss, security_profile=2, ca_file=folder / "other.pem")
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        with pytest.raises(TimeoutError):
            await station.wait_booted(timeout=1.5)
        assert station.connections == 0

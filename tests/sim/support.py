"""Simulated stations against a running node."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from switchyard.sim.passwords import derived_password
from switchyard.sim.profile import FirmwareProfile, load_profile
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.support import RunningNode

DEFAULT_PROFILES = {"1.6": "edrv-reference-16", "2.0.1": "reference-201"}


def profile_for(version: str, name: str | None = None) -> FirmwareProfile:
    return load_profile(name or DEFAULT_PROFILES[version])


def spec_for(
    node: RunningNode,
    identity: str,
    version: str = "1.6",
    tmp_path: Path | None = None,
    profile: str | None = None,
    url: str | None = None,
    **options: Any,
) -> StationSpec:
    firmware = profile_for(version, profile)
    values: dict[str, Any] = {
        "password": derived_password("tests", identity, firmware.ocpp),
        "state_dir": (tmp_path / "sim-state") if tmp_path else None,
        "reboot_seconds": 0.2,
        "backoff_min": 0.05,
        "backoff_max": 0.5,
        "call_timeout": 5.0,
    }
    values.update(options)
    return StationSpec(identity=identity, url=url or node.ws_url, profile=firmware, **values)


async def register(node: RunningNode, spec: StationSpec, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"serialNumber": spec.serial_number} if spec.serial_number else {}
    body.update(extra)
    return await node.add_station(
        spec.identity,
        ocpp_version=spec.ocpp,
        security_profile=spec.security_profile,
        password=spec.password,
        **body,
    )


@asynccontextmanager
async def booted_station(
    node: RunningNode, identity: str, version: str = "1.6", tmp_path: Path | None = None, **options: Any
) -> AsyncIterator[SimulatedStation]:
    """A simulated station registered at `node`, connected and booted Accepted."""
    spec = spec_for(node, identity, version, tmp_path, **options)
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        assert await station.wait_booted() == "Accepted"
        yield station


async def station_id(node: RunningNode, identity: str) -> str:
    listed = await node.api.get("/v1.1/chargestations", params={"identity": identity}, headers=node.auth())
    return str(listed.json()["result"][0]["_id"])


async def set_password(node: RunningNode, identity: str, password: str) -> None:
    """What the CSMS does once a station accepted a new password: accept only the new one."""
    path = f"/v1.1/chargestations/{await station_id(node, identity)}"
    response = await node.api.patch(path, json={"password": password}, headers=node.auth())
    assert response.status_code == 200, response.text


def network_profile(url: str, security_profile: int = 1) -> dict[str, Any]:
    """SetNetworkProfile's connectionData for a 2.0.1 station."""
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": url,
        "messageTimeout": 30,
        "securityProfile": security_profile,
        "ocppInterface": "Wired0",
    }


def priority(value: str) -> dict[str, Any]:
    """SetVariables of a 2.0.1 station's OCPPCommCtrlr.NetworkConfigurationPriority."""
    return {
        "setVariableData": [
            {
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "NetworkConfigurationPriority"},
                "attributeValue": value,
            }
        ]
    }

"""`switchyard sim --register`: create the simulated stations in Switchyard through its API first."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from switchyard.sim.spec import StationSpec


@dataclass
class Registration:
    created: int = 0
    updated: int = 0
    failed: list[str] = field(default_factory=list)


async def register_stations(
    api_url: str,
    api_key: str,
    specs: list[StationSpec],
    concurrency: int = 16,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Registration:
    """Create each station, or bring an existing one to the simulator's version, profile and password."""
    outcome = Registration()
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(
        base_url=api_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
    ) as client:

        async def one(spec: StationSpec) -> None:
            async with gate:
                try:
                    await _register(client, spec, outcome)
                except httpx.HTTPError as exc:
                    outcome.failed.append(f"{spec.identity}: {exc}")

        await asyncio.gather(*(one(spec) for spec in specs))
    return outcome


async def _register(client: httpx.AsyncClient, spec: StationSpec, outcome: Registration) -> None:
    body: dict[str, Any] = {
        "identity": spec.identity,
        "ocppVersion": spec.ocpp,
        "securityProfile": spec.security_profile,
    }
    if spec.password is not None:
        body["password"] = spec.password
    if spec.serial_number:
        body["serialNumber"] = spec.serial_number
    created = await client.post("/v1.1/chargestations", json=body)
    if created.status_code == 201:
        outcome.created += 1
        return
    if created.status_code != 409:
        outcome.failed.append(f"{spec.identity}: {created.status_code} {_message(created)}")
        return
    found = await client.get("/v1.1/chargestations", params={"identity": spec.identity})
    existing = found.json().get("result") if found.status_code == 200 else None
    if not existing:
        outcome.failed.append(f"{spec.identity}: exists, but not for this API key's operator")
        return
    changes = {name: value for name, value in body.items() if name != "identity"}
    patched = await client.patch(f"/v1.1/chargestations/{existing[0]['_id']}", json=changes)
    if patched.status_code == 200:
        outcome.updated += 1
    else:
        outcome.failed.append(f"{spec.identity}: {patched.status_code} {_message(patched)}")


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return response.text[:200]

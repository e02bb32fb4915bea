"""Asking a peer Switchyard (the target of a migration) about a station, through its REST API.

Preflight asks whether the peer knows and accepts the station; confirmation polls it for a boot after
the reset. The peer is reached with an API key of the peer's operator; what it says is bounded in
size and time, and a peer that cannot be reached is a reason, never a hang.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

import httpx

MAX_ANSWER_BYTES = 256 * 1024


class PeerUnavailable(Exception):
    """The peer could not be asked, or gave an answer we cannot read."""


@dataclass(frozen=True, slots=True)
class PeerStation:
    station_id: str
    registration_state: str
    connected: bool
    last_boot_at: datetime | None
    last_boot_status: str | None


class PeerSwitchyard:
    def __init__(self, api_url: str, api_key: str, timeout: float = 10.0) -> None:
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout,
            follow_redirects=False,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    async def station(self, identity: str) -> PeerStation | None:
        """The station as the peer knows it; None when the peer has no station of that identity."""
        try:
            response = await self._client.get("/v1.1/chargestations", params={"identity": identity, "limit": 1})
        except httpx.HTTPError as exc:
            raise PeerUnavailable(
                f"the target Switchyard could not be reached: {exc.__class__.__name__}: {exc}"
            ) from None
        if response.status_code in (401, 403):
            raise PeerUnavailable(f"the target Switchyard refused the API key (HTTP {response.status_code})")
        if response.status_code != 200:
            raise PeerUnavailable(f"the target Switchyard answered HTTP {response.status_code}")
        if len(response.content) > MAX_ANSWER_BYTES:
            raise PeerUnavailable("the target Switchyard's answer is too large")
        try:
            found = [s for s in response.json()["result"] if s.get("identity") == identity]
            return _station(found[0]) if found else None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise PeerUnavailable(f"the target Switchyard's answer is not a station list: {exc}") from None


class PeerPool:
    """One client per peer (API URL and key), kept for the node's life: building a client costs a TLS
    context, far more than a request, and every waiting station asks its peer every few seconds."""

    MAX_PEERS = 32

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = timeout
        self._clients: dict[tuple[str, str], PeerSwitchyard] = {}

    def client(self, api_url: str, api_key: str) -> PeerSwitchyard:
        key = (api_url.rstrip("/"), hashlib.sha256(api_key.encode()).hexdigest())
        found = self._clients.pop(key, None)
        if found is None:
            found = PeerSwitchyard(api_url, api_key, self._timeout)
            if len(self._clients) >= self.MAX_PEERS:
                # The least recently used peer goes; its client closes once its requests are done.
                oldest = next(iter(self._clients))
                _close_later(self._clients.pop(oldest))
        self._clients[key] = found
        return found

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


def _close_later(client: PeerSwitchyard) -> None:
    task = asyncio.get_running_loop().create_task(client.close())
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


_CLOSING: set[asyncio.Task[None]] = set()


def _station(data: dict[str, Any]) -> PeerStation:
    live = data.get("live") or {}
    booted = live.get("lastBootAt")
    return PeerStation(
        station_id=str(data["_id"]),
        registration_state=str(data.get("registrationState")),
        connected=bool(live.get("connected")),
        last_boot_at=datetime.fromisoformat(booted) if booted else None,
        last_boot_status=live.get("lastBootStatus"),
    )


def peer_problem(station: PeerStation | None) -> str | None:
    """Why the peer will not take the station, or None."""
    if station is None:
        return "the target Switchyard does not know the station: register it there first"
    if station.registration_state != "accepted":
        return f"the target Switchyard would not accept the station (its registration is {station.registration_state})"
    return None


def booted_after(station: PeerStation | None, moment: datetime) -> bool:
    return (
        station is not None
        and station.last_boot_at is not None
        and station.last_boot_at > moment
        and station.last_boot_status == "Accepted"
    )

"""The CLI's client for a running Switchyard: its REST API with a bearer key, the envelope unwrapped.

Commands that reach stations (reads, changes, resets) cannot open the database themselves: the
station sockets and the sequencer live in the server process. They call its API instead, and
every way that can go wrong comes back as one `ApiError` whose message is meant for a person.
"""

import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import httpx

from switchyard.ids import is_id

DEFAULT_API_URL = "http://127.0.0.1:8000"
TERMINAL = frozenset({"completed", "rejected", "failed"})


class ApiError(Exception):
    """The API could not be reached or refused a request; `message` says why, in one line."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class StillRunning(Exception):
    """`follow` gave up waiting; `actions` are their last known states."""

    def __init__(self, actions: list[dict[str, Any]], timeout: float) -> None:
        super().__init__(f"still running after {timeout:g} s")
        self.actions = actions
        self.timeout = timeout


class ApiClient:
    """A blocking client of one Switchyard API; use it as a context manager."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        try:
            scheme = httpx.URL(self.base_url).scheme
        except httpx.InvalidURL:
            scheme = ""
        if scheme not in ("http", "https"):
            raise ApiError(f"the API URL must start with http:// or https://, not {base_url!r}")
        self._timeout = timeout
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: str | int) -> Any:
        return self._send("GET", path, params=params)

    def post(self, path: str, body: Any, **params: str | int) -> Any:
        return self._send("POST", path, json=body, params=params)

    def _send(self, method: str, path: str, **options: Any) -> Any:
        try:
            response = self._http.request(method, path, **options)
        except httpx.ConnectError:
            raise ApiError(f"cannot reach Switchyard at {self.base_url}: is `switchyard serve` running?") from None
        except httpx.TimeoutException:
            raise ApiError(f"Switchyard at {self.base_url} did not answer within {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise ApiError(f"the request to {self.base_url} failed: {exc}") from None
        return self._unwrap(response)

    def _unwrap(self, response: httpx.Response) -> Any:
        """The `result` of an `{ok, message, result}` answer, or the refusal's message as an ApiError."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            raise ApiError(
                f"{self.base_url} answered HTTP {response.status_code} without Switchyard's JSON envelope: "
                "is the API URL right?",
                response.status_code,
            )
        if response.is_error or body.get("ok") is not True:
            message = str(body.get("message") or f"HTTP {response.status_code}")
            raise ApiError(message, response.status_code)
        return body.get("result")

    # -- what the commands ask for ------------------------------------------------------------

    def station_id(self, station: str) -> str:
        """The id of a station given by its id (24 hex characters) or its identity."""
        if is_id(station):
            try:
                return str(self.get(f"/v1.1/chargestations/{station}")["_id"])
            except ApiError as error:
                if error.status != 404:
                    raise
                # An identity may look like an id: look it up as one before giving up.
        found = self.get("/v1.1/chargestations", identity=station)
        if not found:
            raise ApiError(f"no charge station with {'id or ' if is_id(station) else ''}identity {station}", 404)
        return str(found[0]["_id"])

    def action(self, action_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/v1.1/actions/{action_id}", view="full")
        return result

    def follow(
        self,
        actions: Iterable[dict[str, Any]],
        timeout: float,
        on_progress: Callable[[list[dict[str, Any]]], None] = lambda _: None,
        interval: float = 0.3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> list[dict[str, Any]]:
        """The actions, in the order given, once every one is terminal; StillRunning after `timeout` s.

        Only actions still under way are asked for again; `on_progress` sees all of them after each poll.
        """
        current = list(actions)
        deadline = clock() + timeout
        while True:
            current = [a if a["status"] in TERMINAL else self.action(a["_id"]) for a in current]
            on_progress(current)
            if all(a["status"] in TERMINAL for a in current):
                return current
            if clock() >= deadline:
                raise StillRunning(current, timeout)
            sleep(interval)

"""A simulated OCPP 1.6 station: configuration keys, resets, network profiles, security profile."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from switchyard.clock import iso_utc
from switchyard.protocol.dialect import V16
from switchyard.protocol.endpoint import Handler, HandlerError, OcppEndpoint
from switchyard.sim.config16 import Configuration16
from switchyard.sim.firmware import after_reply, trigger
from switchyard.sim.network import Target
from switchyard.sim.values import InvalidValue, check_csms_url

if TYPE_CHECKING:
    from switchyard.sim.station import SimulatedStation

Payload = dict[str, Any]
NETWORK_PROFILE_PREFIX = "NetworkConnectionProfile"
PRIORITY_KEY = "NetworkConfigurationPriority"


class Firmware16:
    dialect = V16

    def __init__(self, station: "SimulatedStation") -> None:
        self.station = station
        spec = station.spec
        self.password = spec.password
        self.security_profile = spec.security_profile
        overrides = {"SecurityProfile": str(spec.security_profile)}
        if spec.profile.key(f"{NETWORK_PROFILE_PREFIX}1") is not None:
            overrides[f"{NETWORK_PROFILE_PREFIX}1"] = spec.url
        self.config = Configuration16.fresh(spec.profile, overrides)
        for spec_key in spec.profile.keys:
            if spec_key.value == "{identity}":
                self.config.values[spec_key.name] = station.identity
        self.config.sticky_everything = spec.faults.sticky
        self.config.special = {
            "AuthorizationKey": self._new_authorization_key,
            "SecurityProfile": self._new_security_profile,
            PRIORITY_KEY: self._new_priority,
        }
        for key in spec.profile.keys:
            if key.name.startswith(NETWORK_PROFILE_PREFIX) and key.type == "url":
                self.config.special[key.name] = self._new_csms_url

    # -- connection -----------------------------------------------------------------------------

    def basic_credentials(self) -> bytes | None:
        if self.password is None:
            return None
        secret = self.password.encode()
        if self.station.spec.key_presentation == "bytes" and _is_hex(self.password):
            secret = bytes.fromhex(self.password)
        return self.station.identity.encode() + b":" + secret

    def network_candidates(self) -> list[Target]:
        priority = self.config.value(PRIORITY_KEY)
        if priority is None:
            return [Target("initial", self.station.spec.url, self.security_profile)]
        targets = []
        for slot in priority.split(","):
            url = self.config.value(slot)
            if url:
                targets.append(Target(slot, url, self.security_profile))
        return targets or [Target("initial", self.station.spec.url, self.security_profile)]

    def attempts_per_slot(self) -> int:
        return 2

    def connected_on(self, target: Target) -> None:
        return None

    # -- messages the station sends ------------------------------------------------------------

    def boot_payload(self, reason: str) -> Payload:
        profile = self.station.spec.profile
        payload: Payload = {
            "chargePointVendor": profile.vendor,
            "chargePointModel": profile.model,
            "firmwareVersion": profile.firmware_version,
        }
        if self.station.spec.serial_number:
            payload["chargePointSerialNumber"] = self.station.spec.serial_number
        return payload

    def status_payloads(self, status: str) -> list[Payload]:
        connectors = range(0, self.station.spec.profile.connectors + 1)
        now = iso_utc(_now())
        payloads = []
        for connector in connectors:
            shown = status if connector == 0 or connector not in self.station.transactions else "Charging"
            if connector == 0 and shown not in ("Available", "Unavailable", "Faulted"):
                shown = "Available"
            payloads.append({"connectorId": connector, "errorCode": "NoError", "status": shown, "timestamp": now})
        return payloads

    async def start_transaction(self, connector: int, id_token: str) -> str:
        await self.station.call(
            "StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Preparing"}
        )
        answer = await self.station.call(
            "StartTransaction",
            {"connectorId": connector, "idTag": id_token, "meterStart": 0, "timestamp": iso_utc(_now())},
        )
        await self.station.call(
            "StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Charging"}
        )
        return str(answer["transactionId"])

    async def stop_transaction(self, connector: int, reference: str, reason: str) -> None:
        await self.station.call(
            "StopTransaction",
            {"transactionId": int(reference), "meterStop": 1000, "timestamp": iso_utc(_now()), "reason": reason},
        )
        await self.station.call(
            "StatusNotification", {"connectorId": connector, "errorCode": "NoError", "status": "Available"}
        )

    def transaction_ended(self) -> None:
        # 1.6 has no reset that waits for idle (Reset ends transactions at once): nothing is waiting.
        return None

    # -- the CSMS's calls ----------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {
            "GetConfiguration": self._get_configuration,
            "ChangeConfiguration": self._change_configuration,
            "Reset": self._reset,
            "TriggerMessage": self._trigger,
            "ClearCache": lambda endpoint, p: {"status": "Accepted"},
            "DataTransfer": lambda endpoint, p: {"status": "UnknownVendorId"},
        }

    def _get_configuration(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        keys = p.get("key") or []
        limit = self.config.max_keys()
        if limit is not None and len(keys) > limit:
            raise HandlerError(
                "OccurenceConstraintViolation", f"{len(keys)} keys requested; GetConfigurationMaxKeys is {limit}"
            )
        return self.config.get(keys)

    def _change_configuration(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        outcome = self.config.change(p["key"], p["value"])
        if outcome.status in ("Accepted", "RebootRequired"):
            self.station.save_state()
        return {"status": outcome.status}

    def _reset(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        kind = p["type"]
        if self.station.transactions:
            # Soft: stop transactions gracefully first; Hard: stop them as the power goes.
            after_reply(self.station, 0.0, self._stop_all_then_reboot(kind))
        else:
            after_reply(self.station, 0.05, self.station.reboot(kind))
        return {"status": "Accepted"}

    async def _stop_all_then_reboot(self, kind: str) -> None:
        for connector in list(self.station.transactions):
            await self.station.stop_transaction(connector, f"{kind}Reset")
        await self.station.reboot(kind)

    def _trigger(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        return trigger(self.station, p["requestedMessage"])

    # -- rules for particular keys -------------------------------------------------------------

    def _new_authorization_key(self, value: str) -> str | None:
        # Used from the next connection (the current one stays up).
        self.password = value
        return None

    def _new_security_profile(self, value: str) -> str | None:
        wanted = int(value)
        if wanted <= self.security_profile:
            raise InvalidValue(f"security profile only goes up (now {self.security_profile})")
        if wanted >= 2 and self.station.spec.ca_file is None:
            raise InvalidValue("no CSMS root certificate installed")
        if wanted == 3 and self.station.spec.client_cert is None:
            raise InvalidValue("no charge point certificate installed")
        if wanted in (1, 2) and self.password is None:
            raise InvalidValue("no AuthorizationKey set")
        if wanted >= 2 and not all(t.url.startswith("wss://") for t in self.network_candidates()):
            raise InvalidValue("the configured CSMS URL is not wss://")
        self.security_profile = wanted
        self.station.route.restart(self.network_candidates(), self.attempts_per_slot())
        after_reply(self.station, 0.05, _reconnect(self.station))
        return None

    def _new_priority(self, value: str) -> str | None:
        for slot in value.split(","):
            if not self.config.value(slot) and not self.config.pending.get(slot):
                raise InvalidValue(f"{slot} has no CSMS URL")
        return None

    def _new_csms_url(self, value: str) -> str | None:
        check_csms_url(value)
        if value.rstrip("/").endswith("/" + self.station.identity):
            raise InvalidValue("the URL must not contain the station identity")
        return None

    # -- state ---------------------------------------------------------------------------------

    def reboot(self) -> None:
        self.config.reboot()

    def value(self, name: str) -> str | None:
        return self.config.value(name)

    def state(self) -> dict[str, Any]:
        return {
            "config": self.config.state(),
            "password": self.password,
            "security_profile": self.security_profile,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.config.restore(state.get("config", {}))
        self.password = state.get("password", self.password)
        self.security_profile = int(state.get("security_profile", self.security_profile))


async def _reconnect(station: "SimulatedStation") -> None:
    station.request_reconnect()


def _is_hex(text: str) -> bool:
    return len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text)


def _now() -> datetime:
    return datetime.now(UTC)

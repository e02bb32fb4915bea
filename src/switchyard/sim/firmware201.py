"""A simulated OCPP 2.0.1 station: device model, base reports, network profiles (B09/B10), resets."""

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from switchyard.clock import iso_utc
from switchyard.protocol.dialect import V201
from switchyard.protocol.endpoint import Handler, HandlerError, OcppEndpoint
from switchyard.protocol.framing import encode_json
from switchyard.sim.certificates import InstalledCertificates
from switchyard.sim.device_model import DeviceModel
from switchyard.sim.firmware import after_reply, trigger
from switchyard.sim.network import Target
from switchyard.sim.values import InvalidValue, check_csms_url

if TYPE_CHECKING:
    from switchyard.sim.station import SimulatedStation

Payload = dict[str, Any]
COMM = "OCPPCommCtrlr"
SECURITY = "SecurityCtrlr"
_STOPPED_REASONS = {"Local": "Local", "ImmediateReset": "ImmediateReset", "Remote": "Remote"}


class Firmware201:
    dialect = V201

    def __init__(self, station: "SimulatedStation") -> None:
        self.station = station
        spec = station.spec
        self.password = spec.password
        self.model = DeviceModel(spec.profile)
        for address, value in list(self.model.values.items()):
            if value == "{identity}":
                self.model.values[address] = station.identity
        self.model.sticky_everything = spec.faults.sticky
        self.model.special = {
            f"{SECURITY}.BasicAuthPassword": self._new_password,
            f"{COMM}.NetworkConfigurationPriority": self._new_priority,
        }
        # The station was installed on the first slot of its factory priority list.
        installed = (self.model.value_of(COMM, "NetworkConfigurationPriority") or "1").split(",")[0]
        self.network_profiles: dict[str, Payload] = {
            installed: {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": spec.url,
                "messageTimeout": 30,
                "securityProfile": spec.security_profile,
                "ocppInterface": "Wired0",
            }
        }
        self.certificates = InstalledCertificates()
        self._sequence: dict[str, int] = {}
        self._reset_waiting = False
        self._sync_security(spec.security_profile)

    # -- connection -----------------------------------------------------------------------------

    def basic_credentials(self) -> bytes | None:
        if self.password is None:
            return None
        return self.station.identity.encode() + b":" + self.password.encode()

    def network_candidates(self) -> list[Target]:
        priority = self.model.value_of(COMM, "NetworkConfigurationPriority") or next(iter(self.network_profiles))
        targets = []
        for slot in priority.split(","):
            profile = self.network_profiles.get(slot)
            if profile is not None:
                targets.append(Target(slot, profile["ocppCsmsUrl"], int(profile["securityProfile"])))
        return targets

    def attempts_per_slot(self) -> int:
        value = self.model.value_of(COMM, "NetworkProfileConnectionAttempts")
        return int(value) if value and value.isdigit() else 3

    def connected_on(self, target: Target) -> None:
        if target.slot in self.network_profiles:
            self.model.set_value(COMM, "ActiveNetworkProfile", target.slot)
        self._sync_security(target.security_profile)

    def _sync_security(self, profile: int) -> None:
        if (SECURITY, None, None, None, "SecurityProfile", None) in self.model.specs:
            self.model.set_value(SECURITY, "SecurityProfile", str(profile))

    # -- messages the station sends ------------------------------------------------------------

    def boot_payload(self, reason: str) -> Payload:
        profile = self.station.spec.profile
        station: Payload = {
            "model": profile.model,
            "vendorName": profile.vendor,
            "firmwareVersion": profile.firmware_version,
        }
        if self.station.spec.serial_number:
            station["serialNumber"] = self.station.spec.serial_number
        return {"reason": reason if reason in _BOOT_REASONS else "Unknown", "chargingStation": station}

    def status_payloads(self, status: str) -> list[Payload]:
        shown = {"Available": "Available", "Unavailable": "Unavailable"}.get(status, status)
        now = iso_utc(datetime.now(UTC))
        return [
            {
                "timestamp": now,
                "connectorStatus": "Occupied" if evse in self.station.transactions and shown == "Available" else shown,
                "evseId": evse,
                "connectorId": 1,
            }
            for evse in range(1, self.station.spec.profile.connectors + 1)
        ]

    async def start_transaction(self, connector: int, id_token: str) -> str:
        reference = str(uuid.uuid4())
        self._sequence[reference] = 0
        await self.station.call(
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": iso_utc(datetime.now(UTC)),
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": reference, "chargingState": "Charging"},
                "idToken": {"idToken": id_token, "type": "ISO14443"},
                "evse": {"id": connector, "connectorId": 1},
            },
        )
        return reference

    async def stop_transaction(self, connector: int, reference: str, reason: str) -> None:
        sequence = self._sequence.pop(reference, 0) + 1
        await self.station.call(
            "TransactionEvent",
            {
                "eventType": "Ended",
                "timestamp": iso_utc(datetime.now(UTC)),
                "triggerReason": "ResetCommand" if reason == "ImmediateReset" else "StopAuthorized",
                "seqNo": sequence,
                "transactionInfo": {"transactionId": reference, "stoppedReason": _STOPPED_REASONS.get(reason, "Other")},
                "evse": {"id": connector, "connectorId": 1},
            },
        )

    def transaction_ended(self) -> None:
        if self._reset_waiting and not self.station.transactions:
            self._reset_waiting = False
            after_reply(self.station, 0.0, self.station.reboot("RemoteReset"))

    # -- the CSMS's calls ----------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {
            "GetVariables": self._get_variables,
            "SetVariables": self._set_variables,
            "GetBaseReport": self._get_base_report,
            "SetNetworkProfile": self._set_network_profile,
            "InstallCertificate": self._install_certificate,
            "GetInstalledCertificateIds": lambda endpoint, p: self.certificates.ids(p.get("certificateType")),
            "Reset": self._reset,
            "TriggerMessage": self._trigger,
            "ClearCache": lambda endpoint, p: {"status": "Accepted"},
            "DataTransfer": lambda endpoint, p: {"status": "UnknownVendorId"},
        }

    def _check_size(self, message: str, payload: Payload) -> None:
        limit = self.model.bytes_per_message(message)
        size = len(encode_json(payload))
        if limit is not None and size > limit:
            raise HandlerError(
                "FormatViolation", f"{message}Request is {size} bytes; BytesPerMessage{message} is {limit}"
            )

    def _get_variables(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        self._check_size("GetVariables", p)
        return {"getVariableResult": self.model.get_variables(p["getVariableData"])}

    def _set_variables(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        self._check_size("SetVariables", p)
        results = self.model.set_variables(p["setVariableData"])
        if any(r["attributeStatus"] in ("Accepted", "RebootRequired") for r in results):
            self.station.save_state()
        return {"setVariableResult": results}

    def _get_base_report(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        base = p["reportBase"]
        if base not in ("ConfigurationInventory", "FullInventory"):
            return {"status": "NotSupported"}
        pages = list(self.model.pages(base))
        if not pages:
            return {"status": "EmptyResultSet"}
        after_reply(self.station, 0.0, self._send_report(p["requestId"], pages))
        return {"status": "Accepted"}

    async def _send_report(self, request_id: int, pages: list[list[Payload]]) -> None:
        generated = iso_utc(datetime.now(UTC))
        for seq_no, page in enumerate(pages):
            payload: Payload = {"requestId": request_id, "generatedAt": generated, "seqNo": seq_no, "reportData": page}
            if seq_no < len(pages) - 1:
                payload["tbc"] = True
            await self.station.call("NotifyReport", payload)

    def _set_network_profile(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        slot = str(p["configurationSlot"])
        data = p["connectionData"]
        spec = self.model.specs.get((COMM, None, None, None, "NetworkConfigurationPriority", None))
        allowed = spec.limits.values if spec is not None and spec.limits.values else ("1", "2", "3")
        if slot not in allowed:
            return _rejected("InvalidConfSlot")
        if data["ocppVersion"] != "OCPP20" or data["ocppTransport"] != "JSON":
            return _rejected("InvalidNetworkConf")
        try:
            check_csms_url(data["ocppCsmsUrl"])
        except InvalidValue:
            return _rejected("InvalidNetworkConf")
        wanted, current = int(data["securityProfile"]), self._active_security_profile()
        if wanted < current and not (current == 3 and wanted == 2 and self._downgrade_allowed()):
            return _rejected("NoSecurityDowngrade")
        if (wanted >= 2) != data["ocppCsmsUrl"].startswith("wss://"):
            return _rejected("InvalidNetworkConf")
        previous = self.network_profiles.get(slot)
        self.network_profiles[slot] = dict(data)
        try:
            self.station.save_state()
        except OSError:
            if previous is None:
                del self.network_profiles[slot]
            else:
                self.network_profiles[slot] = previous
            return {"status": "Failed"}
        return {"status": "Accepted"}

    def _install_certificate(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        before = self.certificates.state()
        answer = self.certificates.install(p["certificateType"], p["certificate"])
        if answer["status"] == "Accepted":
            try:
                self.station.save_state()
            except OSError:
                self.certificates.restore(before)
                return {"status": "Failed"}
        return answer

    def _active_security_profile(self) -> int:
        value = self.model.value_of(SECURITY, "SecurityProfile")
        return int(value) if value and value.isdigit() else self.station.spec.security_profile

    def _downgrade_allowed(self) -> bool:
        return (self.model.value_of(SECURITY, "AllowSecurityProfileDowngrade") or "").lower() == "true"

    def _reset(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        kind, evse = p["type"], p.get("evseId")
        if evse is not None:
            if not 1 <= evse <= self.station.spec.profile.connectors:
                return {"status": "Rejected"}
            after_reply(self.station, 0.0, self._reset_evse(evse))
            return {"status": "Accepted"}
        if self.station.transactions:
            if kind == "OnIdle":
                self._reset_waiting = True
                return {"status": "Scheduled"}
            after_reply(self.station, 0.0, self._stop_all_then_reboot())
            return {"status": "Accepted"}
        after_reply(self.station, 0.05, self.station.reboot("RemoteReset"))
        return {"status": "Accepted"}

    async def _stop_all_then_reboot(self) -> None:
        for connector in list(self.station.transactions):
            reference = self.station.transactions.pop(connector)
            await self.stop_transaction(connector, reference, "ImmediateReset")
        await self.station.reboot("RemoteReset")

    async def _reset_evse(self, evse: int) -> None:
        for status in ("Unavailable", "Available"):
            await self.station.call(
                "StatusNotification",
                {"timestamp": iso_utc(datetime.now(UTC)), "connectorStatus": status, "evseId": evse, "connectorId": 1},
            )

    def _trigger(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        return trigger(self.station, p["requestedMessage"])

    # -- rules for particular variables --------------------------------------------------------

    def _new_password(self, value: str) -> str | None:
        self.password = value  # used from the next connection
        return None

    def _new_priority(self, value: str) -> str | None:
        for slot in value.split(","):
            if slot not in self.network_profiles:
                raise InvalidValue(f"slot {slot} has no network profile")
        return None

    # -- state ---------------------------------------------------------------------------------

    def reboot(self) -> None:
        self.model.reboot()

    def value(self, name: str) -> str | None:
        component, _, rest = name.partition(".")
        variable, _, instance = rest.partition("[")
        return self.model.value_of(component, variable, instance.rstrip("]") or None)

    def state(self) -> dict[str, Any]:
        return {
            "model": self.model.state(),
            "password": self.password,
            "network_profiles": self.network_profiles,
            "certificates": self.certificates.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.model.restore(state.get("model", {}))
        self.password = state.get("password", self.password)
        self.network_profiles.update(state.get("network_profiles", {}))
        self.certificates.restore(state.get("certificates", {}))


_BOOT_REASONS = frozenset(
    {
        "ApplicationReset",
        "FirmwareUpdate",
        "LocalReset",
        "PowerUp",
        "RemoteReset",
        "ScheduledReset",
        "Triggered",
        "Unknown",
        "Watchdog",
    }
)


def _rejected(reason: str) -> Payload:
    return {"status": "Rejected", "statusInfo": {"reasonCode": reason}}

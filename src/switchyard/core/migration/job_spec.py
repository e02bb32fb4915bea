"""A migration's parameters as the fleet-job store keeps them (JSON, with the peer's API key encrypted),
and the station a member stands for."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from switchyard.core.migration.model import Confirmation, ConfirmationMode, MethodName, Target
from switchyard.domain import NetworkInterface, StationRef
from switchyard.ports.fleet_jobs import MemberRecord

Crypt = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class MigrationSpec:
    target: Target
    # The target's root certificate (PEM), to look for among a 2.0.1 station's installed roots.
    target_root_pem: str | None = None

    def to_json(self, encrypt: Crypt) -> dict[str, Any]:
        target, confirmation = self.target, self.target.confirmation
        return {
            "targetUrl": target.url,
            "securityProfile": target.security_profile,
            "method": target.method.value,
            "caInstalled": target.ca_installed,
            "forceReset": target.force_reset,
            "cleanup": target.cleanup,
            "messageTimeout": target.message_timeout,
            "interface": target.interface.value,
            "caCertificate": self.target_root_pem,
            "confirmation": {
                "mode": confirmation.mode.value,
                "deadlineSeconds": confirmation.deadline_seconds,
                "apiUrl": confirmation.api_url,
                "apiKey": encrypt(confirmation.api_key) if confirmation.api_key else None,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], decrypt: Crypt) -> "MigrationSpec":
        c = data["confirmation"]
        confirmation = Confirmation(
            ConfirmationMode(c["mode"]),
            int(c["deadlineSeconds"]),
            c.get("apiUrl"),
            decrypt(c["apiKey"]) if c.get("apiKey") else None,
        )
        target = Target(
            url=data["targetUrl"],
            security_profile=int(data["securityProfile"]),
            confirmation=confirmation,
            method=MethodName(data["method"]),
            ca_installed=bool(data["caInstalled"]),
            force_reset=bool(data["forceReset"]),
            cleanup=bool(data["cleanup"]),
            message_timeout=int(data["messageTimeout"]),
            interface=NetworkInterface(data["interface"]),
        )
        return cls(target, data.get("caCertificate"))

    def public(self) -> dict[str, Any]:
        """What the API shows of the parameters: everything but the peer's API key."""
        shown = self.to_json(lambda _: "")
        shown["confirmation"].pop("apiKey")
        return shown


def member_station(member: MemberRecord) -> StationRef:
    return StationRef(member.station_id, member.procedure["identity"], member.procedure["ocppVersion"])

"""How to build a simulated station: identity, where it connects, its firmware, its secrets, its faults."""

from dataclasses import dataclass, field
from pathlib import Path

from switchyard.sim.faults import NO_FAULTS, Faults
from switchyard.sim.profile import FirmwareProfile


@dataclass(frozen=True)
class StationSpec:
    identity: str
    # The CSMS URL the station starts with, without the identity (ws://host:port/ocpp).
    url: str
    profile: FirmwareProfile
    password: str | None = None
    security_profile: int = 1
    serial_number: str | None = None
    # TLS: the CA that signed the CSMS certificate, and the station's own certificate (profile 3).
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    # Configuration and network profiles survive reboots and restarts in this folder.
    state_dir: Path | None = None
    faults: Faults = NO_FAULTS
    # Seconds a reset keeps the station offline.
    reboot_seconds: float = 1.0
    # Reconnect back-off: the first wait, the longest, with up to 50% jitter.
    backoff_min: float = 0.5
    backoff_max: float = 30.0
    connect_timeout: float = 10.0
    call_timeout: float = 30.0
    # 1.6: present the AuthorizationKey as its hex text ("hex") or as the decoded bytes ("bytes").
    key_presentation: str = "hex"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ocpp(self) -> str:
        return self.profile.ocpp

"""Which security profiles this Switchyard's station listeners can admit."""

from dataclasses import dataclass
from pathlib import Path

from switchyard.errors import Conflict


@dataclass(frozen=True, slots=True)
class StationTls:
    """What this Switchyard's station listeners can admit: profiles 2 and 3 connect only over its TLS listener.

    A station registered with a profile the listeners cannot serve could never connect (issue 8), so
    the registry refuses it, saying what is missing and which settings provide it. The default is no
    TLS listener: a registry that is not told otherwise refuses profiles 2 and 3.
    """

    # A certificate and a key are configured, so the wss:// listener runs.
    listener: bool = False
    # ...and it verifies client certificates against a CA (profile 3).
    client_certificates: bool = False

    @classmethod
    def configured(cls, cert_file: Path | None, key_file: Path | None, client_ca_file: Path | None) -> "StationTls":
        listener = cert_file is not None and key_file is not None
        return cls(listener, listener and client_ca_file is not None)

    def refusal(self, profile: int) -> str | None:
        """Why a station with this security profile could not connect here, or None."""
        if profile == 2 and not self.listener:
            return (
                "securityProfile 2 needs the TLS station listener (wss://), which this Switchyard does not run: "
                "set SWITCHYARD_TLS_CERT_FILE and SWITCHYARD_TLS_KEY_FILE (switchyard serve --tls-cert, "
                "--tls-key) and restart it, or use securityProfile 1"
            )
        if profile == 3 and not self.listener:
            return (
                "securityProfile 3 needs the TLS station listener (wss://) with client certificates, which this "
                "Switchyard does not run: set SWITCHYARD_TLS_CERT_FILE, SWITCHYARD_TLS_KEY_FILE and "
                "SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-cert, --tls-key, --tls-client-ca) "
                "and restart it"
            )
        if profile == 3 and not self.client_certificates:
            return (
                "securityProfile 3 needs client certificates, and this Switchyard's TLS station listener checks "
                "none: set SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-client-ca) to the CA that "
                "signs the stations' certificates and restart it"
            )
        return None

    def check(self, profile: int) -> None:
        refusal = self.refusal(profile)
        if refusal is not None:
            raise Conflict(refusal)

"""What differs between OCPP-J versions at the RPC level: subprotocol names and error-code spellings.

Our choices where the specifications leave the code open (documented in docs/protocol-errors.md):
- 1.6 keeps its historical typos (`FormationViolation`, `OccurenceConstraintViolation`, errata 5.1/5.2).
- A frame we cannot read as an RPC message (not an array, wrong element count, bad id) is a
  `ProtocolError` in 1.6 and an `RpcFrameworkError` in 2.0.1; its id is `"-1"` when it cannot be read.
- An unknown MessageTypeId is ignored in 1.6 and answered with `MessageTypeNotSupported` in 2.0.1.
"""

from dataclasses import dataclass
from enum import StrEnum


class OcppVersion(StrEnum):
    V16 = "1.6"
    V201 = "2.0.1"


@dataclass(frozen=True, slots=True)
class Dialect:
    version: OcppVersion
    subprotocol: str
    schema_package: str
    format_violation: str
    occurrence_violation: str
    rpc_error: str
    malformed_json: str
    # None: frames with an unknown MessageTypeId are ignored (1.6).
    unknown_message_type: str | None
    max_description: int | None
    # CSMS calls a station in the Pending state must not get (1.6 §4.2.1; 2.0.1 B02.FR.03/FR.04):
    # it may be configured while Pending, but no transaction may be started or stopped.
    forbidden_while_pending: frozenset[str] = frozenset()
    # What a Pending station may send besides BootNotification, because the CSMS asked for it while it
    # was Pending (2.0.1 B02.FR.09: the reports of a GetBaseReport/GetReport, TriggerMessage's messages).
    allowed_while_pending: frozenset[str] = frozenset()


V16 = Dialect(
    version=OcppVersion.V16,
    subprotocol="ocpp1.6",
    schema_package="ocpp.v16",
    format_violation="FormationViolation",
    occurrence_violation="OccurenceConstraintViolation",
    rpc_error="ProtocolError",
    malformed_json="FormationViolation",
    unknown_message_type=None,
    max_description=None,
    forbidden_while_pending=frozenset({"RemoteStartTransaction", "RemoteStopTransaction"}),
)

V201 = Dialect(
    version=OcppVersion.V201,
    subprotocol="ocpp2.0.1",
    schema_package="ocpp.v201",
    format_violation="FormatViolation",
    occurrence_violation="OccurrenceConstraintViolation",
    rpc_error="RpcFrameworkError",
    malformed_json="RpcFrameworkError",
    unknown_message_type="MessageTypeNotSupported",
    max_description=255,
    forbidden_while_pending=frozenset({"RequestStartTransaction", "RequestStopTransaction"}),
    allowed_while_pending=frozenset({"NotifyReport"}),
)

DIALECTS: dict[OcppVersion, Dialect] = {V16.version: V16, V201.version: V201}
BY_SUBPROTOCOL: dict[str, Dialect] = {d.subprotocol: d for d in DIALECTS.values()}


def dialect_for(version: OcppVersion | str) -> Dialect:
    return DIALECTS[OcppVersion(version)]

"""The catalogue's vocabulary: what an entry is (Variable, Rules, Entry), and the value sets OCPP
defines that entries refer to. `catalogue.py` explains the whole.
"""

from dataclasses import dataclass
from typing import Literal

Ocpp = Literal["1.6", "2.0.1"]

# What the `category` of an entry may be, and what each one holds.
CATEGORIES: dict[str, str] = {
    "core": "OCPP 1.6 Core profile keys and their 2.0.1 equivalents",
    "local_auth": "the local authorization list (1.6 Local Auth List Management profile)",
    "reservation": "reservations (1.6 Reservation profile)",
    "smart_charging": "charging profiles and schedules (1.6 Smart Charging profile)",
    "firmware_management": "firmware and diagnostics file transfer (1.6 Firmware Management profile)",
    "security": "security profiles, credentials and certificates (1.6 Security Whitepaper, 2.0.1 SecurityCtrlr)",
    "network": "where and how the station connects: vendor 1.6 network-profile keys, 2.0.1 network profiles",
    "device_data": "2.0.1 message-size limits of the device model (DeviceDataCtrlr)",
}

# OCPP 1.6 value types (what `Entry.type` and `Rules.type` hold).
TYPES_16 = frozenset({"integer", "decimal", "boolean", "string", "csl", "enum", "hex", "url"})
# OCPP 2.0.1 DataEnumType (what `Entry.data_type` holds).
DATA_TYPES_201 = frozenset(
    {"string", "decimal", "integer", "dateTime", "boolean", "OptionList", "SequenceList", "MemberList"}
)
# The 2.0.1 dataType a 1.6 type becomes unless an entry says otherwise (SequenceList where order matters).
DATA_TYPE_OF: dict[str, str] = {
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "string": "string",
    "hex": "string",
    "url": "string",
    "enum": "OptionList",
    "csl": "MemberList",
}

# Message-level value limits, for callers: ChangeConfiguration.req value is CiString500; a 2.0.1
# SetVariables attributeValue is at most 1000 characters (2500 in 2.1).
VALUE_MAX_16 = 500
SET_VALUE_MAX_201 = 1000

# The OCPP 1.6 Measurand enum.
MEASURANDS_16: tuple[str, ...] = (
    "Current.Export",
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Frequency",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "RPM",
    "SoC",
    "Temperature",
    "Voltage",
)
# The OCPP 2.0.1 MeasurandEnumType: no RPM or Temperature; adds net and apparent energy.
MEASURANDS_201: tuple[str, ...] = (
    "Current.Export",
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register",
    "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval",
    "Energy.Active.Import.Interval",
    "Energy.Active.Net",
    "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval",
    "Energy.Reactive.Net",
    "Energy.Apparent.Net",
    "Energy.Apparent.Import",
    "Energy.Apparent.Export",
    "Frequency",
    "Power.Active.Export",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "Power.Reactive.Export",
    "Power.Reactive.Import",
    "SoC",
    "Voltage",
)
# The OCPP 1.6 Phase enum: what may follow a measurand in the 1.6 measurand lists (Voltage.L1).
PHASES_16: tuple[str, ...] = ("L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1")
# ConnectorPhaseRotation items are <connectorId>.<one of these>.
PHASE_ROTATIONS: tuple[str, ...] = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
FEATURE_PROFILES_16: tuple[str, ...] = (
    "Core",
    "FirmwareManagement",
    "LocalAuthListManagement",
    "Reservation",
    "SmartCharging",
    "RemoteTrigger",
)
RATE_UNITS_16: tuple[str, ...] = ("Current", "Power")
RATE_UNITS_201: tuple[str, ...] = ("A", "W")
FILE_TRANSFER_16: tuple[str, ...] = ("FTP", "FTPS", "HTTP", "HTTPS")
FILE_TRANSFER_201: tuple[str, ...] = ("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")
NETWORK_SLOTS_16: tuple[str, ...] = ("NetworkConnectionProfile1", "NetworkConnectionProfile2")

# How check_value names a member that is not allowed, per list of allowed members.
MEMBER_NOUNS: dict[tuple[str, ...], str] = {
    MEASURANDS_16: "a measurand",
    MEASURANDS_201: "a measurand",
    PHASE_ROTATIONS: "a phase rotation",
    FEATURE_PROFILES_16: "a feature profile",
    RATE_UNITS_16: "a charging rate unit",
    RATE_UNITS_201: "a charging rate unit",
    FILE_TRANSFER_16: "a file transfer protocol",
    FILE_TRANSFER_201: "a file transfer protocol",
    NETWORK_SLOTS_16: "a network connection profile key",
}

MemberForm = Literal["plain", "phase_suffix", "connector_prefix"]


@dataclass(frozen=True, slots=True)
class Variable:
    """An OCPP 2.0.1 variable of a controller component: `Component.Variable[instance]`."""

    component: str
    variable: str
    instance: str | None = None

    def __str__(self) -> str:
        suffix = f"[{self.instance}]" if self.instance is not None else ""
        return f"{self.component}.{self.variable}{suffix}"


@dataclass(frozen=True, slots=True)
class Rules:
    """What a value must look like on one side (1.6 key or 2.0.1 variable), and who may write it.

    `type` is a 1.6 value type. `readonly`: True = read-only, False = writable, None = the station
    decides. `values`: allowed enum values or list members (None = not checked). `member_form`: list
    members are plain, may end in a phase (`Voltage.L1`), or start with a connector id (`0.RST`).
    `forbidden`: characters the value must not contain.
    """

    type: str
    readonly: bool | None = False
    writeonly: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    values: tuple[str, ...] | None = None
    member_form: MemberForm = "plain"
    forbidden: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One configuration setting: a 1.6 key, its 2.0.1 variable, or both.

    The flat type/limit/access fields describe the 1.6 key (the 2.0.1 variable when `key` is None);
    `v201_rules` replaces them for the 2.0.1 variable where that one differs. `secret`: the value must
    never be shown or logged. `url_valued`: the value is a CSMS URL (callers refuse whitespace and
    quotes). `reboot_hint`: a change usually answers RebootRequired and applies after a reset.
    `max_items_key`: the read-only key that caps the number of list items (`<Key>MaxLength`).
    `note`: how values differ between 1.6 and 2.0.1, why a mapping is approximate, or why there is none.
    """

    key: str | None
    category: str
    description: str
    type: str
    v201: Variable | None = None
    standard: bool = True
    readonly: bool | None = False
    writeonly: bool = False
    secret: bool = False
    url_valued: bool = False
    reboot_hint: bool = False
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    values: tuple[str, ...] | None = None
    member_form: MemberForm = "plain"
    forbidden: str = ""
    max_items_key: str | None = None
    data_type: str | None = None
    v201_rules: Rules | None = None
    note: str | None = None

    @property
    def name(self) -> str:
        """The 1.6 key, or `Component.Variable[instance]` for a 2.0.1-only entry."""
        return self.name_for(None)

    def name_for(self, ocpp: Ocpp | None) -> str:
        """The entry's name on one side: the 1.6 key or the 2.0.1 variable."""
        if self._side(ocpp) == "1.6" and self.key is not None:
            return self.key
        return str(self.v201)

    def rules(self, ocpp: Ocpp | None = None) -> Rules:
        """Type, limits and access on one side; None means the entry's own side (1.6 when it has a key).

        ValueError when the entry has no such side (no 1.6 key, or no 2.0.1 variable).
        """
        if self._side(ocpp) == "2.0.1" and self.v201_rules is not None:
            return self.v201_rules
        return Rules(
            type=self.type,
            readonly=self.readonly,
            writeonly=self.writeonly,
            minimum=self.minimum,
            maximum=self.maximum,
            min_length=self.min_length,
            max_length=self.max_length,
            values=self.values,
            member_form=self.member_form,
            forbidden=self.forbidden,
        )

    def _side(self, ocpp: Ocpp | None) -> Ocpp:
        if ocpp is None:
            return "1.6" if self.key is not None else "2.0.1"
        if ocpp == "1.6" and self.key is None:
            raise ValueError(f"{self.v201} has no OCPP 1.6 key")
        if ocpp == "2.0.1" and self.v201 is None:
            raise ValueError(f"{self.key} has no OCPP 2.0.1 equivalent")
        return ocpp

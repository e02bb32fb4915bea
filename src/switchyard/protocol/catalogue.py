"""The catalogue of configuration settings Switchyard knows: OCPP 1.6 keys and OCPP 2.0.1 variables.

Every standard OCPP 1.6 configuration key (1.6 edition 2 section 9, errata sheet v4.0, OCPP-J, Security
Whitepaper edition 2), the vendor network-profile keys of the 1.6 migration procedure (seed 000), and the
OCPP 2.0.1 device-model variables Switchyard reads or writes. An entry carries what the configuration
API shows (category, description), what it checks before sending a value (type, limits, access), and the
1.6 <-> 2.0.1 mapping, so a 1.6 key name also works on a 2.0.1 station.

Vocabularies (docs/catalogue.md has the full story):
- `Entry.type` always uses the OCPP 1.6 value types: integer, decimal, boolean, string, csl, enum, hex,
  url (2.0.1-only entries too). `Entry.data_type` is the OCPP 2.0.1 dataType of the 2.0.1 variable
  (string, decimal, integer, dateTime, boolean, OptionList, SequenceList, MemberList), None without one.
- The flat fields of an entry describe its 1.6 key, or its 2.0.1 variable when it has no 1.6 key. Where
  the mapped 2.0.1 variable takes different values or has a different access (SecurityProfile is read-only
  in 2.0.1, AuthorizationKey is hex while BasicAuthPassword is text, ...) `Entry.v201_rules` says how;
  `Entry.rules(ocpp)` gives the rules of either side.

Names are case-insensitive on lookup: 1.6 keys are CiString, 2.0.1 component and variable names too.
Message-level limits (CiString500 in ChangeConfiguration, 1000 characters in 2.0.1 SetVariables) are
not per-entry limits; callers apply them (`VALUE_MAX_16`, `SET_VALUE_MAX_201`).
"""

import re
from dataclasses import dataclass, replace
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
_DATA_TYPE_OF: dict[str, str] = {
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
_MEMBER_NOUNS: dict[tuple[str, ...], str] = {
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


_V = Variable


def _finish(entry: Entry) -> Entry:
    """Fill in the 2.0.1 dataType where the entry does not name one."""
    if entry.v201 is None or entry.data_type is not None:
        return entry
    side_type = entry.v201_rules.type if entry.v201_rules is not None else entry.type
    return replace(entry, data_type=_DATA_TYPE_OF[side_type])


def _measurand_list(key: str, description: str, v201: Variable, max_items_key: str, note: str | None = None) -> Entry:
    return Entry(
        key=key,
        category="core",
        description=description,
        type="csl",
        v201=v201,
        values=MEASURANDS_16,
        member_form="phase_suffix",
        max_items_key=max_items_key,
        v201_rules=Rules(type="csl", values=MEASURANDS_201),
        note=note or _MEASURAND_NOTE,
    )


def _max_length(key: str, category: str, description: str, note: str | None = None) -> Entry:
    """A read-only `<Key>MaxLength` count."""
    return Entry(key=key, category=category, description=description, type="integer", readonly=True, note=note)


def _capacity_note(variable: str) -> str:
    return (
        f"No clean 2.0.1 equivalent: {variable} holds the current count, and only its maxLimit "
        "characteristic is the capacity this key reports."
    )


_MEASURAND_NOTE = (
    "1.6 measurands may carry a phase suffix (Voltage.L1) and include RPM and Temperature; the 2.0.1 "
    "list takes MeasurandEnumType members, which add Energy.*.Net and Energy.Apparent.*."
)

_ENTRIES: tuple[Entry, ...] = tuple(
    _finish(entry)
    for entry in (
        # --- OCPP 1.6 Core profile ---------------------------------------------------------------------
        Entry(
            key="AllowOfflineTxForUnknownId",
            category="core",
            description=(
                "When true, a station that has lost its CSMS connection still lets a transaction start for an "
                "idTag it cannot find locally. A station that reports this key has the feature."
            ),
            type="boolean",
            v201=_V("AuthCtrlr", "OfflineTxForUnknownIdEnabled"),
        ),
        Entry(
            key="AuthorizationCacheEnabled",
            category="core",
            description=(
                "Switches the station's cache of recently accepted idTags on (true) or off (false); a station "
                "without a cache does not report the key."
            ),
            type="boolean",
            v201=_V("AuthCacheCtrlr", "Enabled"),
        ),
        Entry(
            key="AuthorizeRemoteTxRequests",
            category="core",
            description=(
                "When true, the station checks the idTag of a RemoteStartTransaction the same way as a badge "
                "presented at the station before it starts. The vendor decides whether the CSMS may change it."
            ),
            type="boolean",
            readonly=None,
            v201=_V("AuthCtrlr", "AuthorizeRemoteStart"),
        ),
        Entry(
            key="BlinkRepeat",
            category="core",
            description="How many times the station's lights flash when it signals something to the user.",
            type="integer",
            unit="times",
            minimum=0,
        ),
        Entry(
            key="ClockAlignedDataInterval",
            category="core",
            description=(
                "Length in seconds of the metering periods aligned to the clock from midnight; the station "
                "reports aligned readings at the end of each period. 0 turns clock-aligned readings off."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("AlignedDataCtrlr", "Interval"),
        ),
        Entry(
            key="ConnectionTimeOut",
            category="core",
            description=(
                "Seconds the station waits, after a user is authorized, for the cable to be plugged in before "
                "it abandons the session (not a network timeout)."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("TxCtrlr", "EVConnectionTimeOut"),
        ),
        Entry(
            key="ConnectorPhaseRotation",
            category="core",
            description=(
                "How each connector's phases are wired relative to its meter (or the grid supply), as items "
                "such as 0.RST or 1.RTS where the number is the connector and 0 the station's supply. Rotations: "
                "RST, RTS, SRT, STR, TRS, TSR, NotApplicable, Unknown."
            ),
            type="csl",
            values=PHASE_ROTATIONS,
            member_form="connector_prefix",
            max_items_key="ConnectorPhaseRotationMaxLength",
            note="No single 2.0.1 variable: 2.0.1 keeps a PhaseRotation variable on each EVSE and Connector component.",
        ),
        _max_length(
            "ConnectorPhaseRotationMaxLength",
            "core",
            "The largest number of items this station accepts in ConnectorPhaseRotation.",
        ),
        Entry(
            key="GetConfigurationMaxKeys",
            category="core",
            description=(
                "The largest number of keys the station answers in one GetConfiguration request (2.0.1: "
                "variables in one GetVariables request); a CSMS asking for more by name splits its request."
            ),
            type="integer",
            readonly=True,
            v201=_V("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
            note=(
                "Approximate: 1.6 counts keys per GetConfiguration, 2.0.1 counts GetVariables items; 2.0.1 also "
                "caps the request size in DeviceDataCtrlr.BytesPerMessage[GetVariables]."
            ),
        ),
        Entry(
            key="HeartbeatInterval",
            category="core",
            description=(
                "Seconds without any message after which the station sends a Heartbeat; every other message "
                "also proves it is alive. OCPP gives 0 no defined meaning."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "HeartbeatInterval"),
        ),
        Entry(
            key="LightIntensity",
            category="core",
            description="Brightness of the station's lights, in percent of full brightness (0 to 100).",
            type="integer",
            unit="%",
            minimum=0,
            maximum=100,
        ),
        Entry(
            key="LocalAuthorizeOffline",
            category="core",
            description=(
                "When true, a station without a CSMS connection starts transactions for idTags that its local "
                "list or cache holds as valid."
            ),
            type="boolean",
            v201=_V("AuthCtrlr", "LocalAuthorizeOffline"),
        ),
        Entry(
            key="LocalPreAuthorize",
            category="core",
            description=(
                "When true, an online station starts right away for an idTag its local list or cache holds as "
                "valid, instead of first asking the CSMS with an Authorize request."
            ),
            type="boolean",
            v201=_V("AuthCtrlr", "LocalPreAuthorize"),
        ),
        Entry(
            key="MaxEnergyOnInvalidId",
            category="core",
            description=(
                "Energy in Wh the station may still deliver after the CSMS has declared the idTag of a running "
                "transaction not valid. 0 means no further energy."
            ),
            type="integer",
            unit="Wh",
            minimum=0,
            v201=_V("TxCtrlr", "MaxEnergyOnInvalidId"),
        ),
        Entry(
            key="MessageTimeout",
            category="core",
            description=(
                "Seconds the station waits for the answer to a message it sent before it treats that message as "
                "timed out. Added to OCPP 1.6 by errata sheet v4.0."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "MessageTimeout", "Default"),
            v201_rules=Rules(type="integer", readonly=True, minimum=0),
            note=(
                "Read-only in 2.0.1: the value comes from the messageTimeout of the active network connection "
                "profile, so it changes through SetNetworkProfile, not SetVariables."
            ),
        ),
        _measurand_list(
            "MeterValuesAlignedData",
            (
                "Measurands the station reports in the MeterValues it sends at the end of each clock-aligned "
                "period (ClockAlignedDataInterval). Empty means none; items may name a phase, e.g. Voltage.L1."
            ),
            _V("AlignedDataCtrlr", "Measurands"),
            "MeterValuesAlignedDataMaxLength",
        ),
        _max_length(
            "MeterValuesAlignedDataMaxLength",
            "core",
            "The largest number of measurands this station accepts in MeterValuesAlignedData.",
        ),
        _measurand_list(
            "MeterValuesSampledData",
            (
                "Measurands the station samples during a transaction and reports in MeterValues at each "
                "MeterValueSampleInterval; OCPP's default is Energy.Active.Import.Register. Items may name a "
                "phase, e.g. Voltage.L1."
            ),
            _V("SampledDataCtrlr", "TxUpdatedMeasurands"),
            "MeterValuesSampledDataMaxLength",
        ),
        _max_length(
            "MeterValuesSampledDataMaxLength",
            "core",
            "The largest number of measurands this station accepts in MeterValuesSampledData.",
        ),
        Entry(
            key="MeterValueSampleInterval",
            category="core",
            description=(
                "Seconds between the meter samples the station reports during a transaction, counted from its "
                "start. 0 turns periodic sampled readings off."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("SampledDataCtrlr", "TxUpdatedInterval"),
        ),
        Entry(
            key="MinimumStatusDuration",
            category="core",
            description=(
                "Seconds a status must hold before the station reports it in a StatusNotification, which hides "
                "short flickers. 0 means every change is reported at once."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "MinimumStatusDuration"),
        ),
        Entry(
            key="NumberOfConnectors",
            category="core",
            description="How many connectors the station has; connector 0, the station as a whole, is not counted.",
            type="integer",
            readonly=True,
            note="No 2.0.1 variable: a 2.0.1 station describes its EVSEs and connectors as device-model components.",
        ),
        Entry(
            key="ResetRetries",
            category="core",
            description="How many more times the station tries a reset that failed. 0 means it does not try again.",
            type="integer",
            unit="times",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "ResetRetries"),
        ),
        Entry(
            key="StopTransactionMaxMeterValues",
            category="core",
            description=(
                "The largest number of meter values the station puts in the transactionData of one "
                "StopTransaction. Added to OCPP 1.6 by errata sheet v4.0."
            ),
            type="integer",
            readonly=True,
        ),
        Entry(
            key="StopTransactionOnEVSideDisconnect",
            category="core",
            description=(
                "When true, pulling the cable out of the car ends the transaction. Errata sheet v4.0 makes the "
                "key optional and lets the vendor make it read-only."
            ),
            type="boolean",
            readonly=None,
            v201=_V("TxCtrlr", "StopTxOnEVSideDisconnect"),
        ),
        Entry(
            key="StopTransactionOnInvalidId",
            category="core",
            description=(
                "When true, the station ends a running transaction once the CSMS answers its StartTransaction "
                "with an idTag status other than Accepted; when false, MaxEnergyOnInvalidId limits the charge."
            ),
            type="boolean",
            v201=_V("TxCtrlr", "StopTxOnInvalidId"),
        ),
        _measurand_list(
            "StopTxnAlignedData",
            (
                "Clock-aligned measurands the station collects over a transaction and includes in the "
                "transactionData of StopTransaction. Empty means none."
            ),
            _V("AlignedDataCtrlr", "TxEndedMeasurands"),
            "StopTxnAlignedDataMaxLength",
        ),
        _max_length(
            "StopTxnAlignedDataMaxLength",
            "core",
            "The largest number of measurands this station accepts in StopTxnAlignedData.",
        ),
        _measurand_list(
            "StopTxnSampledData",
            (
                "Measurands the station samples over a transaction, at the MeterValueSampleInterval pace, and "
                "includes in the transactionData of StopTransaction. Empty means none."
            ),
            _V("SampledDataCtrlr", "TxEndedMeasurands"),
            "StopTxnSampledDataMaxLength",
            note=(
                _MEASURAND_NOTE + " In 2.0.1 these samples are taken every SampledDataCtrlr.TxEndedInterval, "
                "not every TxUpdatedInterval."
            ),
        ),
        _max_length(
            "StopTxnSampledDataMaxLength",
            "core",
            "The largest number of measurands this station accepts in StopTxnSampledData.",
        ),
        Entry(
            key="SupportedFeatureProfiles",
            category="core",
            description=(
                "The OCPP 1.6 feature profiles the station implements, e.g. Core,SmartCharging,RemoteTrigger."
            ),
            type="csl",
            readonly=True,
            values=FEATURE_PROFILES_16,
            max_items_key="SupportedFeatureProfilesMaxLength",
        ),
        _max_length(
            "SupportedFeatureProfilesMaxLength",
            "core",
            (
                "The largest number of items SupportedFeatureProfiles can hold; errata sheet v4.0 lets stations "
                "leave this key out."
            ),
        ),
        Entry(
            key="TransactionMessageAttempts",
            category="core",
            description=(
                "How many times the station tries to deliver a transaction-related message (StartTransaction, "
                "StopTransaction, transaction MeterValues) that the CSMS failed to process; a count, not seconds."
            ),
            type="integer",
            unit="times",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
        ),
        Entry(
            key="TransactionMessageRetryInterval",
            category="core",
            description=(
                "Seconds the station waits before trying again to deliver a transaction-related message that the "
                "CSMS failed to process."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
        ),
        Entry(
            key="UnlockConnectorOnEVSideDisconnect",
            category="core",
            description=(
                "When true, the station releases the lock of its socket once the cable is pulled out of the car. "
                "Stations with a fixed cable may report it read-only and false."
            ),
            type="boolean",
            readonly=None,
            v201=_V("OCPPCommCtrlr", "UnlockOnEVSideDisconnect"),
        ),
        Entry(
            key="WebSocketPingInterval",
            category="core",
            description=(
                "Seconds between the WebSocket pings the station sends (OCPP-J). 0 means the station sends none "
                "(the CSMS may still ping it); negative values are refused."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "WebSocketPingInterval"),
        ),
        # --- OCPP 1.6 Local Auth List Management profile -------------------------------------------------
        Entry(
            key="LocalAuthListEnabled",
            category="local_auth",
            description="Switches use of the local authorization list (filled with SendLocalList) on or off.",
            type="boolean",
            v201=_V("LocalAuthListCtrlr", "Enabled"),
        ),
        _max_length(
            "LocalAuthListMaxLength",
            "local_auth",
            "The largest number of idTags the station's local authorization list can hold.",
            _capacity_note("LocalAuthListCtrlr.Entries"),
        ),
        Entry(
            key="SendLocalListMaxLength",
            category="local_auth",
            description=(
                "The largest number of idTags the station accepts in one SendLocalList request; a longer list "
                "goes in several differential updates."
            ),
            type="integer",
            readonly=True,
            v201=_V("LocalAuthListCtrlr", "ItemsPerMessage"),
        ),
        # --- OCPP 1.6 Reservation profile ----------------------------------------------------------------
        Entry(
            key="ReserveConnectorZeroSupported",
            category="reservation",
            description=(
                "When present and true, the station takes reservations for connector 0, which hold any one of "
                "its connectors instead of a given one."
            ),
            type="boolean",
            readonly=True,
            v201=_V("ReservationCtrlr", "NonEvseSpecific"),
            note="2.0.1 expresses the same idea as reservations without an EVSE id.",
        ),
        # --- OCPP 1.6 Smart Charging profile -------------------------------------------------------------
        Entry(
            key="ChargeProfileMaxStackLevel",
            category="smart_charging",
            description=(
                "The highest stackLevel a charging profile may use on this station, which also bounds how many "
                "profiles of one purpose it holds."
            ),
            type="integer",
            readonly=True,
            v201=_V("SmartChargingCtrlr", "ProfileStackLevel"),
        ),
        Entry(
            key="ChargingScheduleAllowedChargingRateUnit",
            category="smart_charging",
            description=(
                "The units the station accepts in charging schedules: Current (amperes), Power (watts), or both."
            ),
            type="csl",
            readonly=True,
            values=RATE_UNITS_16,
            v201=_V("SmartChargingCtrlr", "RateUnit"),
            v201_rules=Rules(type="csl", readonly=True, values=RATE_UNITS_201),
            note="Same meaning, other spelling: 1.6 says Current,Power; 2.0.1 says A,W.",
        ),
        Entry(
            key="ChargingScheduleMaxPeriods",
            category="smart_charging",
            description="The largest number of periods one charging schedule may have on this station.",
            type="integer",
            readonly=True,
            v201=_V("SmartChargingCtrlr", "PeriodsPerSchedule"),
        ),
        Entry(
            key="ConnectorSwitch3to1PhaseSupported",
            category="smart_charging",
            description="When true, the station can move a running charge from three phases to one.",
            type="boolean",
            readonly=True,
            v201=_V("SmartChargingCtrlr", "Phases3to1"),
        ),
        Entry(
            key="MaxChargingProfilesInstalled",
            category="smart_charging",
            description=(
                "The largest number of charging profiles the station holds at once, all connectors and purposes "
                "together."
            ),
            type="integer",
            readonly=True,
            note=_capacity_note("SmartChargingCtrlr.Entries[ChargingProfiles]"),
        ),
        # --- OCPP 1.6 Firmware Management profile --------------------------------------------------------
        Entry(
            key="SupportedFileTransferProtocols",
            category="firmware_management",
            description=(
                "The protocols the station can use to fetch firmware and upload diagnostics: any of FTP, FTPS, "
                "HTTP, HTTPS. Added to OCPP 1.6 by errata sheet v4.0."
            ),
            type="csl",
            readonly=True,
            values=FILE_TRANSFER_16,
            v201=_V("OCPPCommCtrlr", "FileTransferProtocols"),
            v201_rules=Rules(type="csl", readonly=True, values=FILE_TRANSFER_201),
            note="2.0.1 adds SFTP to the protocols a station may list.",
        ),
        # --- OCPP 1.6 Security Whitepaper ----------------------------------------------------------------
        Entry(
            key="AdditionalRootCertificateCheck",
            category="security",
            description=(
                "When true, the station keeps a single CSMS root certificate (plus a fallback while switching) "
                "and installs a new one only if the certificate it replaces signed it."
            ),
            type="boolean",
            readonly=True,
            v201=_V("SecurityCtrlr", "AdditionalRootCertificateCheck"),
        ),
        Entry(
            key="AuthorizationKey",
            category="security",
            description=(
                "The password the station gives in HTTP Basic authentication (security profiles 1 and 2), as 32 "
                "to 40 hexadecimal digits (16 to 20 bytes). Write-only: never reported, shown or logged."
            ),
            type="hex",
            writeonly=True,
            secret=True,
            min_length=32,
            max_length=40,
            v201=_V("SecurityCtrlr", "BasicAuthPassword"),
            v201_rules=Rules(type="string", writeonly=True, min_length=16, max_length=40),
            note=(
                "1.6 takes the password as hexadecimal digits; 2.0.1 BasicAuthPassword takes it as a UTF-8 "
                "string of 16 to 40 characters (2.0.1 Edition 3 errata: up to the station's maxLimit, 40 to 64)."
            ),
        ),
        Entry(
            key="CertificateSignedMaxChainSize",
            category="security",
            description=(
                "The largest certificate chain, in bytes, the station accepts in one CertificateSigned request; "
                "at most 10000."
            ),
            type="integer",
            readonly=True,
            unit="bytes",
            maximum=10000,
            v201=_V("SecurityCtrlr", "MaxCertificateChainSize"),
        ),
        _max_length(
            "CertificateStoreMaxLength",
            "security",
            "The largest number of root certificates the station can have installed at once.",
            _capacity_note("SecurityCtrlr.CertificateEntries"),
        ),
        Entry(
            key="CpoName",
            category="security",
            description=(
                "The charge point operator's name, which the station writes in the O (organization) field of "
                "its certificate signing requests; at most 64 characters, the X.509 bound."
            ),
            type="string",
            max_length=64,
            v201=_V("SecurityCtrlr", "OrganizationName"),
        ),
        Entry(
            key="SecurityProfile",
            category="security",
            description=(
                "How the station secures its connection: 1 = Basic authentication without TLS, 2 = TLS with "
                "Basic authentication, 3 = TLS with a client certificate. 0 is the default meaning no profile "
                "has been set yet (not a security level), and stations refuse a lower profile than the current."
            ),
            type="integer",
            minimum=0,
            maximum=3,
            v201=_V("SecurityCtrlr", "SecurityProfile"),
            v201_rules=Rules(type="integer", readonly=True, minimum=1, maximum=3),
            note=(
                "Read-only in 2.0.1 (1 to 3): a station changes profile through SetNetworkProfile and "
                "NetworkConfigurationPriority (A05), and goes down only from 3 to 2 with "
                "AllowSecurityProfileDowngrade."
            ),
        ),
        # --- Vendor network-profile keys (seed 000; not OCPP 1.6) ----------------------------------------
        Entry(
            key="NetworkConnectionProfile1",
            category="network",
            description=(
                "Vendor key: the CSMS WebSocket URL (ws:// or wss://) of network slot 1, without the station "
                "identity, quotes or whitespace. An empty value leaves the slot unused."
            ),
            type="url",
            standard=False,
            url_valued=True,
            note="No 2.0.1 variable: 2.0.1 writes a CSMS URL with SetNetworkProfile into a configuration slot.",
        ),
        Entry(
            key="NetworkConnectionProfile2",
            category="network",
            description=(
                "Vendor key: the CSMS WebSocket URL (ws:// or wss://) of network slot 2, without the station "
                "identity, quotes or whitespace. An empty value leaves the slot unused."
            ),
            type="url",
            standard=False,
            url_valued=True,
            note="No 2.0.1 variable: 2.0.1 writes a CSMS URL with SetNetworkProfile into a configuration slot.",
        ),
        Entry(
            key="NetworkConfigurationPriority",
            category="network",
            description=(
                "Vendor key: the order in which the station tries its network slots, as slot key names separated "
                "by commas without spaces, first tried first. A change usually answers RebootRequired and takes "
                "effect after a reset."
            ),
            type="csl",
            standard=False,
            reboot_hint=True,
            values=NETWORK_SLOTS_16,
            v201=_V("OCPPCommCtrlr", "NetworkConfigurationPriority"),
            v201_rules=Rules(type="csl"),
            data_type="SequenceList",
            note=(
                "The values differ: the 1.6 vendor key lists key names (NetworkConnectionProfile2,"
                "NetworkConnectionProfile1); 2.0.1 lists configuration slot numbers (2,1) from the variable's "
                "valuesList, which only the station knows."
            ),
        ),
        Entry(
            key="NetworkProfileConnectionTimeoutSec",
            category="network",
            description=(
                "Vendor key: judging by its name, the seconds the station allows a connection attempt on one "
                "network slot before giving up on it; the vendor does not define it further."
            ),
            type="integer",
            standard=False,
            unit="s",
            minimum=0,
        ),
        # --- OCPP 2.0.1 variables without a 1.6 key ------------------------------------------------------
        Entry(
            key=None,
            category="network",
            description=(
                "How many times a 2.0.1 station tries to connect with one network profile before it moves on to "
                "the next slot of NetworkConfigurationPriority."
            ),
            type="integer",
            unit="times",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "NetworkProfileConnectionAttempts"),
        ),
        Entry(
            key=None,
            category="network",
            description=(
                "Seconds offline after which a 2.0.1 station, once reconnected, reports the status of every "
                "connector again instead of only the changes."
            ),
            type="integer",
            unit="s",
            minimum=0,
            v201=_V("OCPPCommCtrlr", "OfflineThreshold"),
        ),
        Entry(
            key=None,
            category="network",
            description="The configuration slot whose network profile a 2.0.1 station is connected through now.",
            type="integer",
            readonly=True,
            v201=_V("OCPPCommCtrlr", "ActiveNetworkProfile"),
        ),
        Entry(
            key=None,
            category="security",
            description=(
                "The name a 2.0.1 station uses as its Basic-authentication username and in its connection URL; "
                "at most 48 characters, no colon. The station decides whether the CSMS may change it."
            ),
            type="string",
            readonly=None,
            max_length=48,
            forbidden=":",
            v201=_V("SecurityCtrlr", "Identity"),
        ),
        Entry(
            key=None,
            category="security",
            description=(
                "When true, a 2.0.1 station accepts a network profile with security profile 2 while it runs on 3 "
                "(never a drop to 1, per the Edition 3 errata); when false it refuses any lower profile."
            ),
            type="boolean",
            readonly=None,
            v201=_V("SecurityCtrlr", "AllowSecurityProfileDowngrade"),
        ),
        Entry(
            key=None,
            category="device_data",
            description=(
                "The largest number of variables a 2.0.1 station accepts in one SetVariables request; extra "
                "items come back Rejected with TooManyElements."
            ),
            type="integer",
            readonly=True,
            v201=_V("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables"),
        ),
        Entry(
            key=None,
            category="device_data",
            description="The largest number of component-variable criteria a 2.0.1 station accepts in one GetReport.",
            type="integer",
            readonly=True,
            v201=_V("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
        ),
        Entry(
            key=None,
            category="device_data",
            description="The largest GetVariables request, in bytes, a 2.0.1 station accepts.",
            type="integer",
            readonly=True,
            unit="bytes",
            v201=_V("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
        ),
        Entry(
            key=None,
            category="device_data",
            description="The largest SetVariables request, in bytes, a 2.0.1 station accepts.",
            type="integer",
            readonly=True,
            unit="bytes",
            v201=_V("DeviceDataCtrlr", "BytesPerMessage", "SetVariables"),
        ),
        Entry(
            key=None,
            category="device_data",
            description="The largest GetReport request, in bytes, a 2.0.1 station accepts.",
            type="integer",
            readonly=True,
            unit="bytes",
            v201=_V("DeviceDataCtrlr", "BytesPerMessage", "GetReport"),
        ),
    )
)


def _variable_index(variable: Variable) -> tuple[str, str, str | None]:
    instance = variable.instance.lower() if variable.instance is not None else None
    return (variable.component.lower(), variable.variable.lower(), instance)


_BY_KEY: dict[str, Entry] = {entry.key.lower(): entry for entry in _ENTRIES if entry.key is not None}
_BY_VARIABLE: dict[tuple[str, str, str | None], Entry] = {
    _variable_index(entry.v201): entry for entry in _ENTRIES if entry.v201 is not None
}


def all_entries() -> tuple[Entry, ...]:
    """Every entry: the 1.6 keys (standard, then vendor), then the 2.0.1-only variables."""
    return _ENTRIES


def for_key_16(name: str) -> Entry | None:
    """The entry of a 1.6 configuration key, case-insensitively; None for an unknown (vendor) key."""
    return _BY_KEY.get(name.lower())


def for_variable_201(component: str, variable: str, instance: str | None = None) -> Entry | None:
    """The entry of a 2.0.1 variable, case-insensitively; the instance must match too."""
    return _BY_VARIABLE.get(_variable_index(Variable(component, variable, instance)))


def to_201(key_16: str) -> Variable | None:
    """The 2.0.1 variable equivalent to a 1.6 key; None for an unknown key or one without a clean equivalent."""
    entry = for_key_16(key_16)
    return entry.v201 if entry is not None else None


_NAME_PART = re.compile(r"[A-Za-z0-9_-]+")
_INSTANCE = re.compile(r"[A-Za-z0-9_:-]+")
_NAME_MAX = 50  # 2.0.1 ComponentType.name, VariableType.name and their instances


def parse_variable_name(text: str) -> Variable:
    """Parse the API's `Component.Variable` or `Component.Variable[instance]`; ValueError names the problem."""
    expected = "expected Component.Variable or Component.Variable[instance]"
    if text == "":
        raise ValueError(f"empty variable name; {expected}")
    if any(c.isspace() for c in text):
        raise ValueError(f"{text!r} contains whitespace; {expected}")
    first_dot = text.find(".")
    if first_dot == -1:
        raise ValueError(f"{text!r} has no component; {expected}")
    first_bracket = text.find("[")
    if first_bracket != -1 and first_bracket < first_dot:
        raise ValueError(f"{text!r}: component instances are not supported; {expected}")
    if text.count("[") > 1 or text.count("]") > 1:
        raise ValueError(f"{text!r}: only one [instance] is allowed, at the end; {expected}")
    instance: str | None = None
    body = text
    if "[" in text or "]" in text:
        if first_bracket == -1 or not text.endswith("]"):
            raise ValueError(f"{text!r}: unbalanced or misplaced brackets; {expected}")
        body, instance = text[:first_bracket], text[first_bracket + 1 : -1]
        if instance == "":
            raise ValueError(f"{text!r}: empty instance; {expected}")
    if body.count(".") != 1:
        raise ValueError(f"{text!r}: expected exactly one '.' between component and variable")
    component, variable = body.split(".")
    for label, part, pattern, allowed in (
        ("component", component, _NAME_PART, "letters, digits, '_' and '-'"),
        ("variable", variable, _NAME_PART, "letters, digits, '_' and '-'"),
        ("instance", instance, _INSTANCE, "letters, digits, '_', '-' and ':'"),
    ):
        if part is None:
            continue
        if part == "":
            raise ValueError(f"{text!r}: empty {label} name; {expected}")
        if not pattern.fullmatch(part):
            raise ValueError(f"{text!r}: the {label} name has characters other than {allowed}")
        if len(part) > _NAME_MAX:
            raise ValueError(f"{text!r}: the {label} name is longer than {_NAME_MAX} characters")
    return Variable(component, variable, instance)


_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_HEX = re.compile(r"[0-9a-fA-F]*")
# OCPP integers are 32-bit on the wire (the JSON schemas' "integer", firmware's int32).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def parse_number(kind: str, value: str) -> int | float | None:
    """`value` as an OCPP integer or decimal, or None when it is not one.

    Only ASCII digits with an optional minus sign: Python's int() and float() would also take "+7",
    " 5 ", "1_000", Arabic-Indic digits and "nan", which no station parses the same way.
    """
    if kind == "integer":
        return int(value) if _INTEGER.fullmatch(value) else None
    return float(value) if _DECIMAL.fullmatch(value) else None


def check_value(entry: Entry, value: str, *, ocpp: Ocpp | None = None, max_items: int | None = None) -> str | None:
    """None when `value` fits the entry's type and limits, else why not, in words.

    `ocpp` picks the side to check: "1.6" (the key), "2.0.1" (the variable); None = the entry's own side.
    `max_items` is the station's `<Key>MaxLength` for a list, when known. Access (read-only) is not
    checked here: see `entry.rules(ocpp).readonly`. Reasons never quote the value of a secret entry.
    """
    rules = entry.rules(ocpp)
    name = entry.name_for(ocpp)
    got = "" if entry.secret else f"; got {value!r}"
    kind = rules.type
    if kind in ("integer", "decimal"):
        number = parse_number(kind, value)
        if number is None:
            return f"{name} must be {'an integer' if kind == 'integer' else 'a decimal number'}{got}"
        if kind == "integer" and not INT32_MIN <= number <= INT32_MAX:
            return f"{name} must fit a 32-bit integer ({INT32_MIN} to {INT32_MAX}){got}"
        return _check_range(name, number, rules, entry.secret)
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            return f"{name} must be true or false{got}"
        return None
    if kind == "enum":
        if rules.values is not None and value not in rules.values:
            return f"{name}: {value!r} is not {_noun(rules.values)}; allowed: {', '.join(rules.values)}"
        return None
    if kind == "csl":
        return _check_list(name, value, rules, max_items)
    if kind == "hex":
        if not _HEX.fullmatch(value):
            return f"{name} must contain only hexadecimal digits (0-9, a-f, A-F)"
        if len(value) % 2:
            return f"{name} must have an even number of hexadecimal digits (whole bytes)"
        return _check_length(name, value, rules, entry.secret, unit="hexadecimal digits")
    if kind == "url":
        return _check_url(name, value)
    if kind == "string":
        for char in rules.forbidden:
            if char in value:
                return f"{name} must not contain {char!r}"
        return _check_length(name, value, rules, entry.secret, unit="characters")
    raise ValueError(f"{name}: unknown value type {kind!r}")


def _number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _check_range(name: str, number: float, rules: Rules, secret: bool) -> str | None:
    low, high = rules.minimum, rules.maximum
    got = "" if secret else f"; got {_number(number)}"
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"{name} must be between {_number(low)} and {_number(high)}{got}"
        if low is not None:
            return f"{name} must be at least {_number(low)}{got}"
        assert high is not None
        return f"{name} must be at most {_number(high)}{got}"
    return None


def _check_length(name: str, value: str, rules: Rules, secret: bool, unit: str) -> str | None:
    got = "" if secret else f"; got {len(value)}"
    if rules.min_length is not None and len(value) < rules.min_length:
        return f"{name} must be at least {rules.min_length} {unit}{got}"
    if rules.max_length is not None and len(value) > rules.max_length:
        return f"{name} must be at most {rules.max_length} {unit}{got}"
    return None


def _check_url(name: str, value: str) -> str | None:
    if value == "":
        return None  # an unused slot
    if not value.isprintable() or any(c.isspace() for c in value) or '"' in value or "'" in value:
        return f"{name} must not contain whitespace, quotes or invisible characters"
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or scheme.lower() not in ("ws", "wss") or host == "":
        return f"{name} must be a ws:// or wss:// URL with a host; got {value!r}"
    return None


def _noun(values: tuple[str, ...]) -> str:
    return _MEMBER_NOUNS.get(values, "an allowed value")


def _check_list(name: str, value: str, rules: Rules, max_items: int | None) -> str | None:
    items = [] if value == "" else value.split(",")
    for item in items:
        if item == "":
            return f"{name}: list items must not be empty; got {value!r}"
        if any(c.isspace() for c in item):
            return f"{name}: list items must not contain spaces; got {value!r}"
    if rules.values is not None:
        for item in items:
            if not _member_allowed(item, rules):
                return f"{name}: {item!r} is not {_noun(rules.values)}; {_allowed(rules)}"
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return f"{name}: {item!r} is listed twice"
        seen.add(item)
    if max_items is not None and len(items) > max_items:
        return f"{name} takes at most {max_items} items; got {len(items)}"
    return None


def _member_allowed(item: str, rules: Rules) -> bool:
    values = rules.values or ()
    if rules.member_form == "connector_prefix":
        connector, dot, rotation = item.partition(".")
        return bool(dot) and _INTEGER.fullmatch(connector) is not None and rotation in values
    if item in values:
        return True
    if rules.member_form == "phase_suffix":
        measurand, dot, phase = item.rpartition(".")
        return bool(dot) and measurand in values and phase in PHASES_16
    return False


def _allowed(rules: Rules) -> str:
    values = rules.values or ()
    if rules.member_form == "connector_prefix":
        return f"expected <connectorId>.<rotation> with rotation one of: {', '.join(values)}"
    text = f"allowed: {', '.join(values)}"
    if rules.member_form == "phase_suffix":
        text += f" (each optionally followed by a phase: {', '.join('.' + phase for phase in PHASES_16)})"
    return text

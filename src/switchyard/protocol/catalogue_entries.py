"""Every entry of the catalogue, as data: the standard OCPP 1.6 keys, the vendor network keys of
seed 000, and the OCPP 2.0.1 variables Switchyard touches (`catalogue.py` explains the whole).
"""

from dataclasses import replace

from switchyard.protocol.catalogue_model import (
    DATA_TYPE_OF,
    FEATURE_PROFILES_16,
    FILE_TRANSFER_16,
    FILE_TRANSFER_201,
    MEASURANDS_16,
    MEASURANDS_201,
    NETWORK_SLOTS_16,
    PHASE_ROTATIONS,
    RATE_UNITS_16,
    RATE_UNITS_201,
    Entry,
    Rules,
    Variable,
)

_V = Variable


def _finish(entry: Entry) -> Entry:
    """Fill in the 2.0.1 dataType where the entry does not name one."""
    if entry.v201 is None or entry.data_type is not None:
        return entry
    side_type = entry.v201_rules.type if entry.v201_rules is not None else entry.type
    return replace(entry, data_type=DATA_TYPE_OF[side_type])


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

ENTRIES: tuple[Entry, ...] = tuple(
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

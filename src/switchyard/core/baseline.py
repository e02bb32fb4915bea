"""The recommended baseline of the eDRV document (seed 002): the desired values Switchyard ships with.

A key the baseline gives a value is pinned: change requests for it are refused (409) while the
baseline is on for the operator, because a pinned key is changed by changing its desired value, not
the station. Values are typed as the eDRV details list shows them (numbers, booleans, lists).
"""

from typing import Any

from switchyard.core.action_targets import SettingTarget
from switchyard.domain import StationRecord
from switchyard.protocol import catalogue
from switchyard.protocol.setting_names import parse_address

MEASURANDS = [
    "Voltage",
    "Power.Active.Import",
    "Energy.Active.Import.Register",
    "Energy.Active.Import.Interval",
    "Current.Import",
]

RECOMMENDED: dict[str, Any] = {
    "AllowOfflineTxForUnknownId": False,
    "AuthorizationCacheEnabled": False,
    "AuthorizeRemoteTxRequests": False,
    "ClockAlignedDataInterval": 0,
    "ConnectionTimeOut": 300,
    "HeartbeatInterval": 900,
    "LocalAuthorizeOffline": True,
    "MeterValuesSampledData": MEASURANDS,
    "MeterValueSampleInterval": 30,
    "MinimumStatusDuration": 5,
    "StopTransactionOnEVSideDisconnect": True,
    "StopTxnSampledData": MEASURANDS,
    "TransactionMessageAttempts": 3,
    "TransactionMessageRetryInterval": 30,
    "UnlockConnectorOnEVSideDisconnect": True,
    "WebSocketPingInterval": 10,
}

_BY_LOWER = {key.lower(): key for key in RECOMMENDED}


def desired(key: str) -> tuple[str, Any] | None:
    """(the baseline's spelling of the key, its desired value), for a 1.6 key name in any case."""
    name = _BY_LOWER.get(key.lower())
    return None if name is None else (name, RECOMMENDED[name])


def as_text(value: Any) -> str:
    """A desired value as a station would hold it (lists comma-separated, booleans lowercase)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def heartbeat_interval_at_boot(station: StationRecord, default: int) -> int:
    """The `interval` of an Accepted BootNotification answer, which the station adopts as its heartbeat
    interval (1.6 §4.2, 2.0.1 B01.FR.03): the desired HeartbeatInterval while the baseline pins it, else
    the one Switchyard last set on the station, else the node's default. Answering the default to
    every boot silently undid a HeartbeatInterval change at the station's next reboot."""
    if station.baseline_enabled:
        return int(RECOMMENDED["HeartbeatInterval"])
    if station.heartbeat_interval is not None and station.heartbeat_interval > 0:
        return station.heartbeat_interval
    return default


def heartbeat_interval_set(target: SettingTarget, value: str | None) -> int | None:
    """The HeartbeatInterval a completed change set (its Actual value, in seconds), else None."""
    if value is None or not target.is_actual:
        return None
    name = target.name
    address = parse_address(name)
    entry = (
        catalogue.for_key_16(name)
        if address is None
        else catalogue.for_variable_201(address.component, address.variable, address.instance)
    )
    if entry is None or entry.key != "HeartbeatInterval":
        return None
    seconds = catalogue.parse_number("integer", value.strip())
    return int(seconds) if seconds is not None and 0 < seconds <= 2**31 - 1 else None

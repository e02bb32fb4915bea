"""The recommended baseline of the eDRV document (seed 002): the desired values Switchyard ships with.

A key the baseline gives a value is pinned: change requests for it are refused (409) while the
baseline is on for the operator, because a pinned key is changed by changing its desired value, not
the station. Values are typed as the eDRV details list shows them (numbers, booleans, lists).
"""

from typing import Any

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

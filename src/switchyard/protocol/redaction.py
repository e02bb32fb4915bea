"""Remove secrets from OCPP payloads before they are logged or stored.

Secrets travel as 1.6 `AuthorizationKey` values (ChangeConfiguration, GetConfiguration), 2.0.1
`SecurityCtrlr.BasicAuthPassword` values (SetVariables, GetVariables, NotifyReport), and network
profile fields (APN and VPN passwords, the SIM PIN, 2.1 basicAuthPassword). Only the actions that can
carry one are walked, so a heartbeat costs nothing here.
"""

from typing import Any

REDACTED = "***"
SECRET_KEYS_16 = frozenset({"authorizationkey"})
SECRET_VARIABLES = frozenset({"basicauthpassword"})
SECRET_FIELDS = frozenset({"apnPassword", "password", "key", "basicAuthPassword"})
# Secrets that are numbers on the wire (APNType.simPin is an integer).
SECRET_NUMBERS = frozenset({"simPin"})

_WALKED = frozenset(
    {
        "ChangeConfiguration",
        "GetConfiguration",
        "SetVariables",
        "GetVariables",
        "NotifyReport",
        "SetNetworkProfile",
        "DataTransfer",
    }
)


def redact(action: str | None, payload: Any) -> Any:
    """A copy of `payload` without secrets (the same object when the action carries none)."""
    # No action: a late or unknown answer, which could be anything (a GetConfiguration result with an
    # AuthorizationKey in it from a careless firmware), so it is looked through too.
    if (action is not None and action not in _WALKED) or not isinstance(payload, dict):
        return payload
    return _walk(payload)


def _walk(value: Any) -> Any:
    if isinstance(value, list):
        return [_walk(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {k: _walk(v) for k, v in value.items()}
    key = out.get("key")
    if isinstance(key, str) and key.lower() in SECRET_KEYS_16 and "value" in out:
        out["value"] = REDACTED
    variable = out.get("variable")
    if isinstance(variable, dict) and str(variable.get("name", "")).lower() in SECRET_VARIABLES:
        for field in ("attributeValue", "value"):
            if field in out:
                out[field] = REDACTED
        attributes = out.get("variableAttribute")
        if isinstance(attributes, list):
            out["variableAttribute"] = [
                {**a, "value": REDACTED} if isinstance(a, dict) and "value" in a else a for a in attributes
            ]
    for field in SECRET_FIELDS:
        if field in out and isinstance(out[field], str) and field != "key":
            out[field] = REDACTED
    for field in SECRET_NUMBERS:
        if field in out:
            out[field] = REDACTED
    # `key` is a secret inside a VPN block but a configuration key name elsewhere.
    if "key" in out and ("server" in out and "user" in out) and isinstance(out["key"], str):
        out["key"] = REDACTED
    return out

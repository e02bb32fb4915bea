"""The configuration details list of the eDRV API (seed 002): each reported setting, explained.

`[{category, description, name, desiredValue, value, writable, editable}]`, in the order the
station reported them. A setting the catalogue does not know (a vendor key) is "Unknown" with
`desiredValue` "Not Defined", as in the seed; a known one has `desiredValue` only when a desired
value exists (today: the recommended baseline), and `editable` is false exactly when that desired
value pins it.
"""

from typing import Any

from switchyard.core import baseline
from switchyard.ports.configuration import ReportedRow
from switchyard.protocol.adapters import setting_rules

NOT_DEFINED = "Not Defined"
UNKNOWN = "Unknown"
REDACTED = "***"


def detail_rows(rows: list[ReportedRow], ocpp_version: str, baseline_on: bool) -> list[dict[str, Any]]:
    rules = setting_rules(ocpp_version)
    details = []
    for row in rows:
        entry = rules.entry(row.name)
        item: dict[str, Any] = {
            "category": entry.category if entry is not None else UNKNOWN,
            "description": entry.description if entry is not None else UNKNOWN,
            "name": row.name,
        }
        pinned = None
        if entry is None:
            item["desiredValue"] = NOT_DEFINED
        elif baseline_on and entry.key is not None:
            pinned = baseline.desired(entry.key)
            if pinned is not None:
                item["desiredValue"] = pinned[1]
        secret = entry is not None and entry.secret
        item["value"] = REDACTED if secret and row.value else (row.value if row.value is not None else "")
        item["writable"] = not row.readonly
        item["editable"] = pinned is None
        details.append(item)
    return details

"""OCPP 1.6 settings: configuration keys (CiString50), values up to 500 characters, no attribute types."""

from typing import Any

from switchyard.errors import InvalidInput
from switchyard.protocol import catalogue
from switchyard.protocol.catalogue import Entry, Ocpp
from switchyard.protocol.setting_rules import Located

KEY_MAX = 50


class SettingRules16:
    version: Ocpp = "1.6"

    def entry(self, name: str) -> Entry | None:
        return catalogue.for_key_16(name)

    def locate(self, key: str, value: str, attribute: str | None) -> Located:
        if attribute is not None:
            raise InvalidInput("attributeType applies to OCPP 2.0.1 variables only")
        if len(key) > KEY_MAX:
            raise InvalidInput(f"key is {len(key)} characters; OCPP 1.6 keys are at most {KEY_MAX}")
        if len(value) > catalogue.VALUE_MAX_16:
            raise InvalidInput(
                f"value is {len(value)} characters; OCPP 1.6 values are at most {catalogue.VALUE_MAX_16}"
            )
        entry = catalogue.for_key_16(key)
        return Located(
            lookup=key.lower(),
            shown=key,
            spelled=entry.key if entry is not None and entry.key else key,
            entry=entry,
            may_be_unreported=entry is not None and bool(entry.rules("1.6").writeonly),
        )

    def names_needed(self, key: str) -> set[str]:
        entry = catalogue.for_key_16(key)
        names = {key.lower()}
        if entry is not None and entry.max_items_key is not None:
            names.add(entry.max_items_key.lower())
        return names

    def pin_key(self, name: str, entry: Entry | None) -> str | None:
        return entry.key if entry is not None else name

    def check_reported(self, name: str, characteristics: dict[str, Any] | None, value: str) -> None:
        return None  # 1.6 stations describe their keys only as read-only or not

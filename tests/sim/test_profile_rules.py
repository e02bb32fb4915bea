"""Profile files that are wrong in ways YAML lets through are refused with a message naming the entry."""

from pathlib import Path
from typing import Any

import pytest

from switchyard.sim.profile import ProfileError, load_profile, parse_profile

BASE_16: dict[str, Any] = {"ocpp": "1.6", "vendor": "V", "model": "M", "firmware": "1"}
BASE_201: dict[str, Any] = {"ocpp": "2.0.1", "vendor": "V", "model": "M", "firmware": "1"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({**BASE_16, "keys": {"A": {"type": "string", "readonly": "false"}}}, "readonly is true or false"),
        ({**BASE_16, "connectors": "two", "keys": {}}, "'two' is not a whole number"),
        (
            {**BASE_16, "keys": {"Heartbeat": {"type": "integer"}, "heartbeat": {"type": "integer"}}},
            "listed twice: heartbeat",
        ),
        ({**BASE_16, "keys": {"A": {"type": "csl", "value": ["x", "y"]}}}, 'write a list as "a,b,c"'),
        ({**BASE_16, "boolean": [True, False], "keys": {}}, "quoted"),
        ({**BASE_16, "keys": {"A": {"type": "integer", "round_to": 1.5}}}, "not a whole number"),
        (
            {**BASE_201, "components": [{"component": "C", "variables": [{"variable": "V", "type": "SelectionList"}]}]},
            "type must be one of",
        ),
    ],
)
def test_refused_with_a_reason(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        parse_profile(document, "test.yaml")


def test_a_missing_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read the profile"):
        load_profile(tmp_path / "absent.yaml")


def test_a_file_profile_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "my-firmware.yaml"
    path.write_text('ocpp: "1.6"\nvendor: V\nmodel: M\nfirmware: "1"\nkeys: {}\n')
    assert load_profile(path).name == "my-firmware"

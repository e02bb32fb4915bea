"""When a read-back agrees with what was sent: the rules firmware rewrites values by."""

import pytest

from switchyard.protocol.setting_names import same_value


@pytest.mark.parametrize(
    ("kind", "sent", "reported", "version", "same"),
    [
        ("integer", "900", "900", "1.6", True),
        ("integer", "900", "0900", "1.6", True),  # numbers by value
        ("integer", "901", "900", "1.6", False),
        ("boolean", "true", "True", "1.6", True),
        ("boolean", "true", "TRUE", "2.0.1", True),
        # 1.6 values are CiString: case does not matter...
        ("string", "Ws://A.example/ocpp", "ws://a.example/ocpp", "1.6", True),
        (None, "ABC", "abc", "1.6", True),
        # ...2.0.1 strings are exact.
        ("string", "/Data/Path", "/data/path", "2.0.1", False),
        ("url", "wss://a.example/OCPP", "wss://a.example/ocpp", "2.0.1", False),
        (None, "ABC", "abc", "2.0.1", False),
        ("OptionList", "Eco", "eco", "2.0.1", True),
        # Lists: 1.6 and MemberList by membership, SequenceList in order.
        ("csl", "Energy.Active.Import.Register,Voltage", "Voltage,Energy.Active.Import.Register", "1.6", True),
        ("MemberList", "a,b", "b,a", "2.0.1", True),
        ("SequenceList", "a,b", "b,a", "2.0.1", False),
        ("integer", "900", None, "1.6", False),  # unknown to the station
    ],
)
def test_same_value(kind: str | None, sent: str, reported: str | None, version: str, same: bool) -> None:
    assert same_value(kind, sent, reported, version) is same

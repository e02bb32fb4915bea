from switchyard.protocol.redaction import REDACTED, redact


def test_16_authorization_key_is_redacted_in_change_configuration() -> None:
    payload = {"key": "AuthorizationKey", "value": "00112233445566778899aabbccddeeff"}
    assert redact("ChangeConfiguration", payload) == {"key": "AuthorizationKey", "value": REDACTED}
    assert payload["value"] != REDACTED, "the payload sent to the station is untouched"
    assert redact("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "900"})["value"] == "900"


def test_201_basic_auth_password_is_redacted_everywhere_it_travels() -> None:
    set_variables = {
        "setVariableData": [
            {
                "attributeValue": "s3cret-s3cret-s3cret",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            },
            {
                "attributeValue": "300",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            },
        ]
    }
    out = redact("SetVariables", set_variables)
    assert out["setVariableData"][0]["attributeValue"] == REDACTED
    assert out["setVariableData"][1]["attributeValue"] == "300"
    report = {
        "reportData": [
            {
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
                "variableAttribute": [{"value": "s3cret-s3cret-s3cret", "mutability": "WriteOnly"}],
            }
        ]
    }
    assert redact("NotifyReport", report)["reportData"][0]["variableAttribute"][0]["value"] == REDACTED


def test_network_profile_secrets_are_redacted() -> None:
    payload = {
        "configurationSlot": 1,
        "connectionData": {
            "ocppCsmsUrl": "wss://csms.example.com/ocpp",
            "apn": {"apn": "internet", "apnPassword": "apn-secret", "simPin": 1234, "apnAuthentication": "AUTO"},
            "vpn": {"server": "vpn", "user": "u", "password": "vpn-secret", "key": "vpn-key", "type": "IKEv2"},
        },
    }
    out = redact("SetNetworkProfile", payload)["connectionData"]
    assert out["apn"]["apnPassword"] == REDACTED
    assert out["apn"]["simPin"] == REDACTED, "the SIM PIN is a number on the wire, and a secret"
    assert out["vpn"]["password"] == REDACTED
    assert out["vpn"]["key"] == REDACTED
    assert out["ocppCsmsUrl"] == "wss://csms.example.com/ocpp"


def test_actions_without_secrets_are_passed_through_as_is() -> None:
    payload = {"key": "AuthorizationKey"}
    assert redact("Heartbeat", payload) is payload


def test_an_answer_whose_call_is_unknown_is_looked_through_too() -> None:
    # A late GetConfiguration answer (its call timed out) from firmware that reports its key.
    late = {"configurationKey": [{"key": "AuthorizationKey", "readonly": False, "value": "00112233445566778899"}]}
    assert redact(None, late)["configurationKey"][0]["value"] == REDACTED
    assert redact("Heartbeat", {"currentTime": "2026-11-22T12:00:00Z"}) == {"currentTime": "2026-11-22T12:00:00Z"}

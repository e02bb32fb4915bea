"""The frame audit itself: it must catch what it exists to catch."""

from switchyard.protocol.framing import CALL, CALLERROR, CALLRESULT
from switchyard.sim.audit import AUDIT, FrameAudit


def test_the_audit_catches_invalid_frames() -> None:
    audit = FrameAudit()
    audit.check("1.6", CALL, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
    audit.check(
        "2.0.1",
        CALLRESULT,
        "GetVariables",
        {
            "getVariableResult": [
                {"attributeStatus": "UnknownComponent", "component": {"name": "X"}, "variable": {"name": "Y"}}
            ]
        },
    )
    audit.check("1.6", CALL, "BootNotification", {"chargePointVendor": "V"})
    audit.check("2.0.1", CALLRESULT, "Reset", {"status": "Maybe"})
    audit.check("1.6", CALLERROR, None, {"errorCode": "FormatViolation"})
    audit.check("2.0.1", CALL, "Teleport", {})
    audit.check("2.0.1", 6, "NotifyPeriodicEventStream", {})
    assert audit.checked == 7
    assert len(audit.failures) == 5
    assert "chargePointModel" in audit.failures[0]
    assert "FormatViolation" in audit.failures[2]


def test_simulated_stations_report_to_the_process_audit() -> None:
    """The suite-wide check in conftest reads this object; simulated stations write to it by default."""
    from switchyard.sim.station import SimulatedStation

    assert SimulatedStation.__init__.__defaults__ == (AUDIT,)

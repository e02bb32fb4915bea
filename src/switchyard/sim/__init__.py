"""The station simulator: OCPP 1.6 and 2.0.1 stations that behave like real firmware, faults included."""

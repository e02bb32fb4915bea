"""OCPP and nothing else: framing, error codes, schema validation, calls, version adapters."""

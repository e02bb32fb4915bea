"""The REST API (FastAPI): eDRV-compatible `/v1.1` routes with the `{ok, message, result}` envelope."""

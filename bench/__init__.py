"""Reproducible gateway benchmark: Switchyard against a baseline built on the `ocpp` library."""

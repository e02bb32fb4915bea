"""Core services: plain async Python over the ports in `switchyard.ports`."""

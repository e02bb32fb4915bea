"""The station-facing side: websocket listeners, handshake and authentication, live sessions."""

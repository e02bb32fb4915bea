"""The `switchyard` command line. `app` assembles it; the commands that open the database directly
(`db_commands`) are kept apart from those that go through a running Switchyard's REST API
(`api_commands`, over `api_client`); `serve_command` and `sim_command` run the node and the simulator
in this process, `in_process` is what those share, and `output` is how every command prints."""

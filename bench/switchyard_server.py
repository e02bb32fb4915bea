"""The Switchyard node, started the way `switchyard serve` starts it (uvloop, default settings).

Only host, ports and the database URL are set, and loopback is allowed to webhooks (the configuration
benchmark's receiver listens there; by default webhooks go only to public addresses). Run as
`python -m bench.switchyard_server PORT DB_PATH`; prints a ready line (`READY OCPP_PORT API_PORT`) once
the gateway and the API listen, and stops on SIGTERM.
"""

import re
import sys
from pathlib import Path

import uvloop

from bench.common import HOST, READY, raise_nofile_limit
from bench.provision import sqlite_url
from switchyard import logs
from switchyard.runner import serve
from switchyard.settings import Settings


def main() -> None:
    raise_nofile_limit()
    port, database = int(sys.argv[1]), Path(sys.argv[2])
    settings = Settings(
        host=HOST,
        ocpp_port=port,
        api_port=0,
        database_url=sqlite_url(database),
        webhook_allowed_networks=f"{HOST}/32",
    )
    logs.configure(settings.log_level, settings.log_format)

    def say(banner: str) -> None:
        print(banner, flush=True)
        api = re.search(r"API\s+http://[^:]+:(\d+)", banner)
        print(READY, port, api.group(1) if api else 0, flush=True)

    uvloop.run(serve(settings, say))


if __name__ == "__main__":
    main()

"""The Switchyard node, started the way `switchyard serve` starts it (uvloop, default settings).

Only host, ports and the database URL are set. Run as `python -m bench.switchyard_server PORT DB_PATH`;
prints a ready line on stdout once the gateway and the API listen, and stops on SIGTERM.
"""

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
    settings = Settings(host=HOST, ocpp_port=port, api_port=0, database_url=sqlite_url(database))
    logs.configure(settings.log_level, settings.log_format)

    def say(banner: str) -> None:
        print(banner, flush=True)
        print(READY, port, flush=True)

    uvloop.run(serve(settings, say))


if __name__ == "__main__":
    main()

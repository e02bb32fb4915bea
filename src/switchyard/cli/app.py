"""The `switchyard` command: every command group and command, assembled in the order `--help` lists them."""

import typer

from switchyard.cli.api_commands import actions_app, config_app
from switchyard.cli.db_commands import apikey_app, db_app, station_app
from switchyard.cli.migrate_commands import migrate_app
from switchyard.cli.serve_command import serve
from switchyard.cli.sim_command import sim

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Switchyard: an OCPP central system.")
app.add_typer(apikey_app, name="apikey")
app.add_typer(station_app, name="station")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(actions_app, name="actions")
app.add_typer(migrate_app, name="migrate")
app.command()(serve)
app.command()(sim)


def main() -> None:
    app()

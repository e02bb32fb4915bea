"""`switchyard serve`: one node (the gateway and the API) in this process."""

from pathlib import Path
from typing import Annotated

import typer

from switchyard import logs
from switchyard.cli.in_process import DatabaseUrl, run, settings_from
from switchyard.cli.output import fail


def serve(
    host: Annotated[str | None, typer.Option(help="Address for both listeners [SWITCHYARD_HOST]")] = None,
    api_port: Annotated[int | None, typer.Option(help="REST API port [SWITCHYARD_API_PORT, 8000]")] = None,
    ocpp_port: Annotated[int | None, typer.Option(help="Station port, ws:// [SWITCHYARD_OCPP_PORT, 9000]")] = None,
    ocpp_tls_port: Annotated[int | None, typer.Option(help="Station port, wss:// [9443]")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Server certificate (PEM) for wss://")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="Server private key (PEM)")] = None,
    tls_client_ca: Annotated[Path | None, typer.Option(help="CA of station client certificates (profile 3)")] = None,
    tls_second_cert: Annotated[
        Path | None, typer.Option(help="A second server certificate, of the other key type (RSA or ECDSA)")
    ] = None,
    tls_second_key: Annotated[Path | None, typer.Option(help="The second certificate's private key")] = None,
    open_registration: Annotated[
        bool | None,
        typer.Option("--open-registration/--closed-registration", help="Register unknown stations as Pending"),
    ] = None,
    database_url: DatabaseUrl = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning, error")] = None,
) -> None:
    """Start the gateway and the API on an embedded database."""
    from switchyard.runner import StartupError
    from switchyard.runner import serve as run_node

    settings = settings_from(
        host=host,
        api_port=api_port,
        ocpp_port=ocpp_port,
        ocpp_tls_port=ocpp_tls_port,
        tls_cert_file=tls_cert,
        tls_key_file=tls_key,
        tls_client_ca_file=tls_client_ca,
        tls_second_cert_file=tls_second_cert,
        tls_second_key_file=tls_second_key,
        open_registration=open_registration,
        database_url=database_url,
        log_level=log_level,
    )
    try:
        logs.configure(settings.log_level, settings.log_format)
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        run(run_node(settings), os_error="cannot start")
    except StartupError as exc:
        raise fail(str(exc)) from None

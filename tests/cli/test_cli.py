"""The `switchyard` command, run against a fresh SQLite file per test."""

import logging
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import uvloop
from typer.testing import CliRunner

from switchyard.cli.app import app
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry
from switchyard.credentials import verify_station_password
from switchyard.domain import Scope
from switchyard.errors import Unauthorized
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

KEY = re.compile(r"sy_[0-9a-f]{24}_[A-Za-z0-9_\-]{20,}")
GENERATED = re.compile(r"^generated password \(shown once\): (\S+)$", re.MULTILINE)
# The TLS settings serve would run a wss:// listener with client certificates from (the files are not read).
TLS = {
    "SWITCHYARD_TLS_CERT_FILE": "server.pem",
    "SWITCHYARD_TLS_KEY_FILE": "server.key",
    "SWITCHYARD_TLS_CLIENT_CA_FILE": "clients-ca.pem",
}


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "cli.db"
        self.url = f"sqlite+aiosqlite:///{self.path}"
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> tuple[str, str]:
        """Run `switchyard ARGS --database-url URL`; assert the exit code; return (stdout, stderr)."""
        result = self.runner.invoke(app, [*args, "--database-url", self.url], env=env)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result.stdout, result.stderr

    def fails(self, *args: str, env: dict[str, str] | None = None) -> str:
        """The one line a failing command writes to stderr (nothing on stdout)."""
        out, err = self(*args, code=1, env=env)
        assert out == ""
        assert err.count("\n") == 1, err
        assert err.endswith("\n")
        assert err.startswith("error: ")
        return err.removeprefix("error: ").rstrip("\n")

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path) as connection:
            return connection.execute(sql, params).fetchall()

    def authenticate(self, key: str) -> Principal:
        async def work() -> Principal:
            database = Database(self.url)
            try:
                return await Registry(DatabaseRegistryStore(database), SystemClock(), 1000).keys.authenticate(key)
            finally:
                await database.close()

        return uvloop.run(work())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_apikey_create_prints_only_the_key(cli: Cli) -> None:
    out, err = cli("apikey", "create", "--operator", "Acme")
    assert err == ""
    assert out.count("\n") == 1
    key = out.strip()
    assert KEY.fullmatch(key), out
    operators = cli.rows("SELECT id, name FROM operators")
    assert [name for _, name in operators] == ["Acme"]
    who = cli.authenticate(key)
    assert who.operator_id == operators[0][0]
    assert who.scope is Scope.ADMIN
    # The database holds a hash, never the key.
    assert key not in str(cli.rows("SELECT * FROM api_keys"))
    assert key[len("sy_") + 25 :] not in str(cli.rows("SELECT * FROM api_keys"))

    # Again, for the same operator: a second key, the same operator, each key valid on its own.
    out, _ = cli("apikey", "create", "--operator", "Acme", "--scope", "read", "--name", "dashboard")
    second = out.strip()
    assert second != key
    assert cli.authenticate(second).scope is Scope.READ
    assert cli.authenticate(second).operator_id == who.operator_id
    assert len(cli.rows("SELECT id FROM operators")) == 1
    assert cli.rows("SELECT name, scope FROM api_keys ORDER BY created_at") == [
        ("created with the CLI", "admin"),
        ("dashboard", "read"),
    ]
    with pytest.raises(Unauthorized):
        cli.authenticate(key[:-2])


def test_apikey_create_refuses_a_bad_scope(cli: Cli) -> None:
    args = ["apikey", "create", "--operator", "Acme", "--scope", "root", "--database-url", cli.url]
    result = cli.runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "root" in result.stderr


def test_station_add_shows_a_generated_password_once(cli: Cli) -> None:
    out, err = cli("station", "add", "CP-1", "--operator", "Acme", "--ocpp", "1.6", "--profile", "1")
    assert err == ""
    found = GENERATED.search(out)
    assert found, out
    password = found.group(1)
    assert re.fullmatch(r"[0-9a-f]{40}", password)
    assert out.count(password) == 1
    ((station_id, stored),) = cli.rows("SELECT id, password_hash FROM stations WHERE identity = 'CP-1'")
    assert out.splitlines()[0] == f"added CP-1 ({station_id}), OCPP 1.6, profile 1"
    assert isinstance(stored, str)
    assert password not in stored
    assert verify_station_password(password.encode(), stored)

    listed, _ = cli("station", "list", "--operator", "Acme")
    shown, _ = cli("station", "show", "CP-1", "--operator", "Acme")
    for text in (listed, shown):
        assert "CP-1" in text
        assert station_id in text, "the full id, not an ellipsis"
        assert password not in text
        assert stored not in text
        assert "pbkdf2" not in text
    assert re.search(r"^password\s+set$", shown, re.MULTILINE), shown
    assert "password_hash" not in shown


def test_station_add_with_a_password_prints_none(cli: Cli) -> None:
    password = "correct-horse-battery-staple"
    out, _ = cli("station", "add", "CP-201", "--operator", "Acme", "--ocpp", "2.0.1", "--password", password)
    assert password not in out
    assert "generated" not in out
    out, _ = cli("station", "add", "CP-3", "--operator", "Acme", "--profile", "3", "--serial", "SN-3", env=TLS)
    assert "generated" not in out
    shown, _ = cli("station", "show", "CP-3", "--operator", "Acme")
    assert re.search(r"^password\s+not set$", shown, re.MULTILINE), shown
    assert re.search(r"^serial_number\s+SN-3$", shown, re.MULTILINE), shown


def test_station_list_shows_every_station_of_the_operator_only(cli: Cli) -> None:
    long_identity = "CP-" + "x" * 45
    for identity in ("CP-a", long_identity):
        cli("station", "add", identity, "--operator", "Acme", "--password", "0123456789abcdef")
    cli("station", "add", "CP-other", "--operator", "Other", "--password", "0123456789abcdef")
    listed, _ = cli("station", "list", "--operator", "Acme")
    assert "CP-a" in listed
    assert long_identity in listed
    assert "CP-other" not in listed
    for (station_id,) in cli.rows("SELECT id FROM stations WHERE identity != 'CP-other'"):
        assert station_id in listed
    cli.fails("station", "show", "CP-other", "--operator", "Acme")


def test_station_list_without_operator_uses_the_only_one(cli: Cli) -> None:
    cli("station", "add", "CP-1", "--operator", "Acme", "--password", "0123456789abcdef")
    listed, err = cli("station", "list")
    assert err == ""
    ((station_id,),) = cli.rows("SELECT id FROM stations WHERE identity = 'CP-1'")
    assert station_id in listed
    assert listed == cli("station", "list", "--operator", "Acme")[0]


def test_station_list_without_operator_among_several_asks_for_it(cli: Cli) -> None:
    for operator in ("Acme", "Other"):
        cli("station", "add", f"CP-{operator}", "--operator", operator, "--password", "0123456789abcdef")
    message = cli.fails("station", "list")
    assert message == "--operator is needed: this database has 2 operators ('Acme', 'Other')"
    for operator in ("C", "D", "E", "F", "G"):
        cli("apikey", "create", "--operator", operator)
    message = cli.fails("station", "list")
    assert message == "--operator is needed: this database has 7 operators ('Acme', 'Other', 'C', 'D', 'E' and 2 more)"


def test_station_list_without_any_operator_says_so(cli: Cli) -> None:
    out, err = cli("station", "list")
    assert out == "", "nothing a script would read as stations"
    assert err == "no operators yet, so no stations: `switchyard station add IDENTITY --operator NAME` adds both\n"
    assert cli.rows("SELECT * FROM operators") == [], "listing creates no operator"


def test_read_commands_never_create_operators(cli: Cli) -> None:
    cli("station", "add", "CP-1", "--operator", "Acme", "--password", "0123456789abcdef")
    assert cli.fails("station", "list", "--operator", "Acmee") == "operator 'Acmee' not found"
    assert cli.fails("station", "show", "CP-1", "--operator", "Acmee") == "operator 'Acmee' not found"
    assert cli.rows("SELECT name FROM operators") == [("Acme",)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--password", "0123456789abcdef"],
            "identity 'CP-1' is already in use on this Switchyard: stations are told apart by identity alone, "
            "across all its operators, so choose another",
        ),
        (
            ["--password", "short"],
            "password: a 1.6 AuthorizationKey is 16-20 bytes, given as 16-20 characters or as 32-40 hex digits; "
            "got 5 characters",
        ),
        (
            ["--ocpp", "2.0.1", "--password", "short"],
            "password: a 2.0.1 BasicAuthPassword has 16-64 characters; got 5",
        ),
        (["--ocpp", "2.0"], "ocppVersion must be one of 1.6, 2.0.1; got '2.0'"),
        (["--profile", "4"], "securityProfile must be 1, 2 or 3; got 4"),
        (["--site", "0" * 24], f"site {'0' * 24} not found"),
    ],
)
def test_station_add_errors_are_one_line_and_write_nothing(cli: Cli, args: list[str], message: str) -> None:
    cli("station", "add", "CP-1", "--operator", "Acme", "--password", "0123456789abcdef")
    before = cli.rows("SELECT * FROM stations")
    identity = "CP-1" if "already in use" in message else "CP-2"
    assert cli.fails("station", "add", identity, "--operator", "Acme", *args) == message
    assert cli.rows("SELECT * FROM stations") == before


def test_station_add_refuses_profiles_the_tls_settings_cannot_serve(cli: Cli) -> None:
    """Regression (issue 8): `station add --profile 2` registered a station that could never connect."""
    no_listener = cli.fails("station", "add", "CP-2", "--operator", "Acme", "--profile", "2")
    assert no_listener.startswith("securityProfile 2 needs the TLS station listener (wss://)"), no_listener
    assert "SWITCHYARD_TLS_CERT_FILE and SWITCHYARD_TLS_KEY_FILE" in no_listener
    no_ca = cli.fails(
        "station", "add", "CP-3", "--operator", "Acme", "--profile", "3", "--serial", "S",
        env={name: value for name, value in TLS.items() if "CLIENT_CA" not in name},
    )  # fmt: skip
    assert no_ca.startswith("securityProfile 3 needs client certificates"), no_ca
    assert cli.rows("SELECT * FROM stations") == []
    cli("station", "add", "CP-2", "--operator", "Acme", "--profile", "2", env=TLS)
    cli("station", "add", "CP-3", "--operator", "Acme", "--profile", "3", "--serial", "S", env=TLS)
    assert cli.rows("SELECT identity, security_profile FROM stations ORDER BY identity") == [("CP-2", 2), ("CP-3", 3)]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ("CP:1", "identity: must not contain ':' (it is the Basic-auth username)"),
        ("C" * 49, "identity: has 49 characters; at most 48 allowed"),
    ],
)
def test_bad_identities_are_refused(cli: Cli, identity: str, message: str) -> None:
    assert cli.fails("station", "add", identity, "--operator", "Acme") == message
    assert cli.rows("SELECT * FROM stations") == []


def test_messages_are_printed_as_they_are(cli: Cli) -> None:
    # Square brackets are text, not console markup.
    identity = "CP-[bold]-1"
    out, _ = cli("station", "add", identity, "--operator", "Acme [EU]", "--password", "0123456789abcdef")
    assert out.startswith(f"added {identity} (")
    message = cli.fails("station", "add", identity, "--operator", "Acme [EU]", "--password", "0123456789abcdef")
    assert message.startswith(f"identity {identity!r} is already in use on this Switchyard: ")
    assert cli.fails("station", "show", "CP-[/]", "--operator", "Acme [EU]") == "charge station 'CP-[/]' not found"
    listed, _ = cli("station", "list", "--operator", "Acme [EU]")
    assert identity in listed


def test_station_show_of_an_unknown_identity(cli: Cli) -> None:
    cli("station", "add", "CP-1", "--operator", "Acme", "--password", "0123456789abcdef")
    assert cli.fails("station", "show", "CP-2", "--operator", "Acme") == "charge station 'CP-2' not found"


def test_station_show_needs_operator_only_among_several(cli: Cli) -> None:
    assert cli.fails("station", "show", "CP-1") == "charge station 'CP-1' not found: there are no operators yet"
    cli("station", "add", "CP-1", "--operator", "Acme", "--password", "0123456789abcdef")
    shown, err = cli("station", "show", "CP-1")
    assert err == ""
    assert shown == cli("station", "show", "CP-1", "--operator", "Acme")[0]
    assert "CP-1" in shown
    cli("station", "add", "CP-2", "--operator", "Other", "--password", "0123456789abcdef")
    message = cli.fails("station", "show", "CP-1")
    assert message == "--operator is needed: this database has 2 operators ('Acme', 'Other')"
    assert cli.rows("SELECT name FROM operators ORDER BY name") == [("Acme",), ("Other",)]


def test_sim_with_a_missing_passwords_file_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    handlers = logging.getLogger().handlers[:]
    result = CliRunner().invoke(app, ["sim", "--passwords", str(missing), "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {missing}: cannot read the passwords file (FileNotFoundError)"
    # A refused option configures nothing: logging into the runner's (now closed) output would break the process.
    assert logging.getLogger().handlers == handlers


def test_db_upgrade_is_idempotent(cli: Cli) -> None:
    out, _ = cli("db", "upgrade")
    assert out == "database is up to date\n"
    tables = {name for (name,) in cli.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"operators", "api_keys", "sites", "stations", "alembic_version"} <= tables
    (version,) = cli.rows("SELECT version_num FROM alembic_version")
    key_out, _ = cli("apikey", "create", "--operator", "Acme")
    out, _ = cli("db", "upgrade")
    assert out == "database is up to date\n"
    assert cli.rows("SELECT version_num FROM alembic_version") == [version]
    assert cli.authenticate(key_out.strip()).scope is Scope.ADMIN


def test_the_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("switchyard")
    assert script.exists(), "pip install -e . puts the console script next to the interpreter"
    url = f"sqlite+aiosqlite:///{tmp_path / 'script.db'}"
    done = subprocess.run(
        [str(script), "apikey", "create", "--operator", "Scripted", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert KEY.fullmatch(done.stdout.rstrip("\n")), done.stdout
    assert done.stdout.count("\n") == 1
    failed = subprocess.run(
        [str(script), "station", "show", "CP-9", "--operator", "Scripted", "--database-url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert failed.stderr == "error: charge station 'CP-9' not found\n"


def test_operator_names_are_trimmed(cli: Cli) -> None:
    first, _ = cli("apikey", "create", "--operator", "Acme")
    second, _ = cli("apikey", "create", "--operator", "  Acme ")
    assert cli.rows("SELECT name FROM operators") == [("Acme",)]
    assert cli.authenticate(first.strip()).operator_id == cli.authenticate(second.strip()).operator_id
    cli("station", "add", "CP-1", "--operator", " Acme", "--password", "0123456789abcdef")
    listed, _ = cli("station", "list", "--operator", "Acme ")
    assert "CP-1" in listed
    assert cli.fails("apikey", "create", "--operator", "   ") == "name: must not be empty"


def test_an_unusable_database_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    url = f"sqlite+aiosqlite:///{blocker / 'switchyard.db'}"
    for args in (["db", "upgrade"], ["station", "list", "--operator", "Acme"], ["apikey", "create", "--operator", "A"]):
        result = CliRunner().invoke(app, [*args, "--database-url", url])
        assert result.exit_code == 1, (args, result.stdout, result.stderr, result.exception)
        assert result.stdout == ""
        assert result.stderr.startswith("error: cannot use the database: ")
        assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--log-level", "verbose"],
            {},
            "log level must be one of debug, info, warning, error, critical; got 'verbose'",
        ),
        (
            [],
            {"SWITCHYARD_API_PORT": "eighty"},
            "invalid settings (options or SWITCHYARD_* variables): api_port: "
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            ["--ocpp-port", "70000"],
            {},
            "invalid settings (options or SWITCHYARD_* variables): ocpp_port: "
            "Input should be less than or equal to 65535",
        ),
    ],
)
def test_serve_refuses_bad_settings_in_one_line(cli: Cli, args: list[str], env: dict[str, str], message: str) -> None:
    # Refused before anything starts (so running it in-process is safe).
    result = cli.runner.invoke(app, ["serve", *args, "--database-url", cli.url], env=env)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    assert result.stderr == f"error: {message}\n"
    assert not cli.path.exists(), "nothing was created"


def test_apikey_create_checks_the_name(cli: Cli) -> None:
    assert cli.fails("apikey", "create", "--operator", "Acme", "--name", " ") == "name: must not be empty"
    too_long = cli.fails("apikey", "create", "--operator", "Acme", "--name", "k" * 101)
    assert too_long == "name: has 101 characters; at most 100 allowed"
    assert cli.rows("SELECT * FROM api_keys") == []
    assert cli.rows("SELECT * FROM operators") == [], "a refused key creates no operator"

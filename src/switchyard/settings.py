"""Runtime settings: defaults, overridden by `SWITCHYARD_*` environment variables, then by CLI options."""

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from switchyard.cipher import SecretKeyError, parse_key
from switchyard.networks import parse_networks

MessageLogMode = Literal["all", "no-heartbeats", "off"]
AuthorizePolicy = Literal["accept", "reject"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHYARD_", extra="ignore")

    host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    ocpp_port: int = Field(9000, ge=0, le=65535)
    ocpp_tls_port: int = Field(9443, ge=0, le=65535)
    ocpp_path_prefix: str = "/ocpp"
    database_url: str = "sqlite+aiosqlite:///switchyard.db"
    node_id: str = "local"

    # TLS listener (security profiles 2 and 3) runs only when a certificate and key are given.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # CA that signed station client certificates (profile 3).
    tls_client_ca_file: Path | None = None
    # A second certificate and key, of the other key type (RSA besides ECDSA, or the other way round):
    # the four TLS 1.2 suites OCPP requires need one of each (gateway/tls.py).
    tls_second_cert_file: Path | None = None
    tls_second_key_file: Path | None = None

    def tls_second(self) -> tuple[Path, Path] | None:
        if self.tls_second_cert_file and self.tls_second_key_file:
            return self.tls_second_cert_file, self.tls_second_key_file
        return None

    # Unknown identities are registered (to this operator, unassigned to a site) and booted Pending.
    open_registration: bool = False
    open_registration_operator: str | None = None

    heartbeat_interval: int = Field(300, gt=0)
    # BootNotification interval for Pending and Rejected answers: when the station may try again.
    boot_retry_interval: int = Field(60, gt=0)
    authorize_policy: AuthorizePolicy = "accept"
    call_timeout: float = Field(30.0, gt=0)
    # After a (re)connect, management calls wait for the station's BootNotification, or this long for a
    # station that reconnects without one.
    boot_grace: float = Field(5.0, ge=0)
    handshake_timeout: float = Field(10.0, gt=0)
    # Migrations: how often a waiting procedure asks again (is the station idle? has the peer seen it
    # boot?), and how long a procedure resumed after a restart waits for its station to reconnect
    # before its next call counts as failed.
    migration_poll_seconds: float = Field(2.0, gt=0)
    migration_reconnect_wait: float = Field(60.0, ge=0)
    max_frame_bytes: int = Field(8 * 1024 * 1024, gt=1024)
    # What one station may make the gateway read (gateway/flow.py): messages and bytes per second, with a
    # burst of `station_message_burst` messages and one largest frame. Over it, its socket is not read
    # for a while; at twice the burst without pausing, it is disconnected.
    station_message_rate: float = Field(50.0, gt=0)
    station_message_burst: int = Field(200, ge=1)
    station_byte_rate: int = Field(512 * 1024, ge=1024)

    # The largest REST API request body; a larger one is refused with 413 before or while it arrives
    # .
    api_max_body_bytes: int = Field(1024 * 1024, ge=1024)

    message_log: MessageLogMode = "no-heartbeats"
    message_log_retention_days: float = Field(30.0, gt=0)
    # A logged frame keeps at most this many bytes of its JSON (with its action and full size).
    message_log_max_payload_bytes: int = Field(4096, ge=256, le=1024 * 1024)
    # Row budgets: past them the oldest rows go first (checked every minute).
    message_log_station_rows: int = Field(5000, ge=10)
    message_log_total_rows: int = Field(1_000_000, ge=100)
    # Message-log payload bytes that may wait for the database; past this, new log rows are shed.
    recorder_max_pending_log_bytes: int = Field(32 * 1024 * 1024, ge=64 * 1024)
    recorder_flush_interval: float = Field(0.05, gt=0)

    # PBKDF2 rounds for station passwords (ADR 0003); stored with each hash, so raising it is safe.
    station_password_iterations: int = Field(100, ge=1)

    # Configuration actions (docs/configuration.md). An action not sent by then fails as "expired".
    action_expiry: float = Field(86400.0, gt=0)
    # Actions (changes, reads, resets) that may be open for one station at once; more get 429.
    max_open_actions: int = Field(1000, ge=1)
    # The least time between two changes sent to one station.
    change_spacing: float = Field(1.0, ge=0)
    # Read a station's whole configuration after each boot (first boot, and every reboot).
    read_on_boot: bool = True
    # Reads queued by boots that run at once (a reconnect storm queues thousands; the rest wait their turn).
    boot_read_concurrency: int = Field(20, ge=1)
    # The longest a whole-configuration read may take (each 2.0.1 NotifyReport page gets this much).
    configuration_read_timeout: float = Field(60.0, gt=0)

    # Requests per second one API key may make, with a burst; past it, 429 with Retry-After.
    api_requests_per_second: float = Field(100.0, gt=0)
    api_request_burst: int = Field(1000, ge=1)

    log_level: str = "info"
    log_format: Literal["console", "json"] = "console"

    # Webhooks (docs/webhooks.md, ADR 0005). The key that encrypts webhook secrets at rest, the base64
    # of 32 random bytes; unset, a key file is created on first use (`<database file>.key` for SQLite).
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    webhook_timeout: float = Field(10.0, gt=0)
    # Retries: the first after about webhook_retry_base seconds, doubling up to webhook_retry_max_delay,
    # until a delivery is webhook_give_up_after seconds old (then it is failed).
    webhook_retry_base: float = Field(5.0, gt=0)
    webhook_retry_max_delay: float = Field(3600.0, gt=0)
    webhook_give_up_after: float = Field(86400.0, ge=0)
    # Deliveries in flight at once (each to a different subscription and station), in all and per
    # subscription: a slow receiver holds at most its subscription's share, each for webhook_timeout.
    webhook_concurrency: int = Field(32, ge=1, le=1000)
    webhook_concurrency_per_subscription: int = Field(16, ge=1, le=100)
    # Networks webhooks may reach although they are not public (loopback, private, link-local...):
    # CIDRs separated by commas, like "10.0.0.0/8,127.0.0.1/32". Empty: public addresses only.
    webhook_allowed_networks: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
    # The safety net for events written by other processes; this node's own events wake it at once.
    webhook_poll_interval: float = Field(2.0, gt=0)
    # Finished events (and their deliveries and attempts) are deleted after this many days.
    webhook_event_retention_days: float = Field(30.0, gt=0)

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _networks_parse(cls, value: object) -> tuple[IPv4Network | IPv6Network, ...]:
        return parse_networks(value)

    @field_validator("secret_key")
    @classmethod
    def _secret_key_decodes(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                parse_key(value.get_secret_value())
            except SecretKeyError as exc:
                raise ValueError(str(exc)) from None
        return value

"""Settings, read from the environment (prefix `DETAINERS_`) and nowhere else.

Nothing is built at import: call `load_settings()`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

BACKENDS = ("sqlite", "postgresql")


class ConfigError(Exception):
    """A setting that cannot be used; the message names the environment variable."""


class Settings(BaseSettings):
    """Typed settings. `database_url` wins over `data_dir`; without it, SQLite in `data_dir`."""

    model_config = SettingsConfigDict(env_prefix="DETAINERS_", extra="ignore", frozen=True)

    data_dir: Path = Field(
        default=Path("var"), description="Where the embedded SQLite database lives"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; e.g. postgresql+psycopg://user@host/db. Default: SQLite file",
    )

    smtp_host: str | None = Field(
        default=None, description="SMTP server for e-mail notices and alarms (none: e-mail fails)"
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port")
    smtp_from: str = Field(
        default="detainers@localhost", max_length=320, description="Sender address for e-mail"
    )
    worker_batch: int = Field(
        default=100, ge=1, le=10_000, description="Messages a worker claims per round"
    )
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How long an idle worker waits before looking again"
    )
    serve_threads: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Requests one server process works on at once (the rest queue); its database"
            " pool keeps one connection more than this, and opens as many again when busy"
        ),
    )
    key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description=(
            "How long a server process trusts an API key it verified (0: read it on every"
            " request); a key revoked through another process is refused after at most this long"
        ),
    )
    serve_worker: bool | None = Field(
        default=None,
        description="Run the outbox worker inside `serve` (default: yes on SQLite, no on PostgreSQL)",
    )

    @field_validator("database_url")
    @classmethod
    def _a_supported_database(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend not in BACKENDS:
            raise ValueError(
                "is not a database URL like sqlite:///path/to/file.db"
                " or postgresql+psycopg://user@host:5432/db"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database to use: `database_url`, or `<data_dir>/detainers.db` on SQLite."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'detainers.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from CLI options) on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as e:
        first = e.errors()[0]
        name = "DETAINERS_" + ".".join(str(part) for part in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: [{first.get('input')}] {message}") from e

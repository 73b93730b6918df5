"""Settings, read from the environment (prefix `DETAINERS_`) and nowhere else.

Nothing is built at import: call `load_settings()`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @property
    def resolved_database_url(self) -> str:
        """The database to use: `database_url`, or `<data_dir>/detainers.db` on SQLite."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'detainers.db').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from CLI options) on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]

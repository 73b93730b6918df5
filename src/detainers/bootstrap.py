"""The one composition root: settings in, a wired application out.

Entrypoints call `bootstrap()`; tests pass their own clock, ids or engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.notices.pdf import pdf_renderer
from detainers.adapters.notifications.senders import (
    Dispatcher,
    EmailSender,
    SmtpSettings,
    WebhookSender,
)
from detainers.adapters.security import credentials as real_credentials
from detainers.adapters.system import SystemClock, new_id
from detainers.config import ConfigError, Settings, load_settings
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry
from detainers.services.context import Context
from detainers.services.ports import Clock, Credentials, IdFactory, LegalEngine, NoticeRenderer
from detainers.services.recent_keys import RecentKeys


@dataclass(frozen=True, kw_only=True)
class Application:
    """Everything an entrypoint needs: settings, the database engine, the service context."""

    settings: Settings
    engine: Engine
    context: Context
    rules: RulesEngine

    def close(self) -> None:
        self.engine.dispose()


def sender(settings: Settings) -> Dispatcher:
    """The delivery channels the worker uses: webhooks, and e-mail if an SMTP server is set."""
    smtp = (
        None
        if settings.smtp_host is None
        else SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from
        )
    )
    return Dispatcher(WebhookSender(), EmailSender(smtp))


def legal_engine() -> RulesEngine:
    """The rules engine over every shipped policy pack (no database needed)."""
    return RulesEngine(load_registry())


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    legal_engine: LegalEngine | None = None,
    credentials: Credentials | None = None,
    notice_renderer: NoticeRenderer | None = None,
) -> Application:
    """Wire adapters to services. Nothing connects to the database until it is used.

    The legal engine loads every policy pack now, so a malformed pack fails at start.
    """
    settings = settings or load_settings()
    try:
        engine = make_engine(settings.resolved_database_url, pool_size=settings.serve_threads + 1)
    except OSError as e:
        raise ConfigError(
            f"DETAINERS_DATA_DIR: [{settings.data_dir}] cannot hold the database: {e.strerror}"
        ) from e
    rules = RulesEngine(load_registry())
    context = Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock or SystemClock(),
        ids=ids or new_id,
        engine=legal_engine or rules,
        credentials=credentials or real_credentials(),
        notice_renderer=notice_renderer or pdf_renderer(),
        recent_keys=RecentKeys(timedelta(seconds=settings.key_cache_seconds)),
    )
    return Application(settings=settings, engine=engine, context=context, rules=rules)

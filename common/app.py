"""Build a service's FastAPI app with the shared mechanism in place."""

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from common.auth import TokenVerifier
from common.changes import ChangeFeed, changes_router
from common.database import Database
from common.docs import install_swagger_ui
from common.etags import stale
from common.health import database_ready, health_router
from common.limits import RequestBodyLimitMiddleware
from common.observability import (
    Metrics,
    MetricsMiddleware,
    RequestIdMiddleware,
    configure_logging,
    metrics_endpoint,
)
from common.openapi import install_problem_documentation
from common.problems import install_problem_handlers, problem_response
from common.retry import TransientFaultRetryMiddleware
from common.settings import BaseServiceSettings


def create_service_app(
    *,
    title: str,
    description: str,
    settings: BaseServiceSettings,
    routers: Sequence[APIRouter],
    change_feed: ChangeFeed | None = None,
) -> FastAPI:
    """`change_feed`: record a change event in every write's transaction, listed at `GET /v1/changes`."""
    if not settings.database_url:
        raise ValueError("DATABASE_URL is not set")
    configure_logging(settings.process_name, settings.log_level, settings.log_json)
    database = Database(
        settings.database_url,
        schema=settings.schema_name,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_seconds=settings.db_pool_timeout_seconds,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        application_name=settings.process_name,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is alive once the process serves (modules, the app, its models) lives as long as it:
        # frozen, it is out of the collector's full passes, which a bulk write's million short-lived
        # tuples set off again and again (a fifth of metrics_api's CPU for a first feed post).
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
        await database.dispose()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.database = database
    app.state.token_verifier = TokenVerifier(settings)
    app.state.metrics = Metrics(settings.process_name)
    app.state.metrics.watch_pool(database.engine.pool, capacity=settings.db_pool_size + settings.db_max_overflow)

    install_problem_handlers(app)

    @app.exception_handler(StaleDataError)
    async def _concurrent_update(request: Request, exc: StaleDataError) -> JSONResponse:
        # Two changes passed If-Match with the same version at once: the second one's flush loses.
        return problem_response(stale(), request)

    install_problem_documentation(app)
    install_swagger_ui(app)
    # Innermost first: the retries replay a body the limits have already checked.
    app.add_middleware(TransientFaultRetryMiddleware, attempts=settings.transient_fault_attempts,
                       replay_max_bytes=settings.transient_fault_replay_max_bytes)
    app.add_middleware(RequestBodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       read_timeout_seconds=settings.body_read_timeout_seconds, max_json_depth=settings.max_json_depth)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)
    # Outermost: everything inside sees the visitor's address when a trusted proxy forwarded it.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)

    app.include_router(health_router({"database": database_ready}))
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    if change_feed is not None:
        change_feed.install(database)
        app.state.change_feed = change_feed
        app.include_router(changes_router(change_feed))
    for router in routers:
        app.include_router(router)
    return app

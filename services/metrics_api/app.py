"""The metrics_api process: `uvicorn --factory services.metrics_api.app:create_app`."""

from fastapi import FastAPI

from common.app import create_service_app
from common.changes import ChangeFeed
from services.metrics_api.domain.series_cache import SeriesCache
from services.metrics_api.routes import router
from services.metrics_api.settings import MetricsSettings


def create_app(settings: MetricsSettings | None = None) -> FastAPI:
    settings = settings or MetricsSettings()
    app = create_service_app(
        title="Techniekpact metrics API",
        description="Labour-market figures: regions, periods, measures, observations from UWV-style feeds, "
                    "and derived series.",
        settings=settings,
        routers=[router],
        change_feed=ChangeFeed(),
    )
    app.state.series_cache = SeriesCache(settings.series_cache_entries)
    return app

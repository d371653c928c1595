"""The actions_api process: `uvicorn --factory services.actions_api.app:create_app`."""

from fastapi import FastAPI

from common.app import create_service_app
from services.actions_api.settings import ActionsSettings


def create_app(settings: ActionsSettings | None = None) -> FastAPI:
    return create_service_app(
        title="Techniekpact actions API",
        description="Pacts, action lines, goals, actions, milestones, results and progress reports of Techniekpacten.",
        settings=settings or ActionsSettings(),
        routers=[],
    )

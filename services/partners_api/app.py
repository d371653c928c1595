"""The partners_api process: `uvicorn --factory services.partners_api.app:create_app`."""

from fastapi import FastAPI

from common.app import create_service_app
from services.partners_api.settings import PartnersSettings


def create_app(settings: PartnersSettings | None = None) -> FastAPI:
    return create_service_app(
        title="Techniekpact partners API",
        description="The registry of partner organisations: organisations, contacts, pact memberships, municipal pushes and sign-ups.",
        settings=settings or PartnersSettings(),
        routers=[],
    )

"""What the CLI's commands share: a one-line failure, settings read or refused, the services' URLs and
development tokens."""

import os
from typing import NoReturn, TypeVar

import typer
from pydantic import ValidationError

from cli.processes import PROCESSES
from common.settings import BaseProcessSettings

Settings = TypeVar("Settings", bound=BaseProcessSettings)


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def settings_or_fail(settings_class: type[Settings]) -> Settings:
    try:
        return settings_class()
    except ValidationError as exc:
        reasons = "; ".join(str(error.get("ctx", {}).get("error", error["msg"])) for error in exc.errors())
        fail(f"configuration: {reasons}")



def service_url(service: str, given: str | None) -> str:
    return given or os.environ.get(f"{service.split('_')[0].upper()}_API_URL") or \
        f"http://127.0.0.1:{PROCESSES[service].default_port}"


def development_token(scopes: list[str], sources: list[str], *, subject: str = "techniekpact-cli",
                       ttl_seconds: int = 3600) -> str:
    from common.auth import issue_token

    settings = settings_or_fail(BaseProcessSettings)
    # Outside production the services take shared-secret tokens beside the JWKS ones (common/auth.py).
    if settings.jwt_jwks_url and settings.is_production:
        fail("JWT_JWKS_URL is set in production: tokens come from the identity provider; "
             "pass --token (or TECHNIEKPACT_TOKEN)")
    return issue_token(settings.jwt_secret.get_secret_value(), subject=subject, scopes=scopes, sources=sources,
                       audience=settings.jwt_audience, issuer=settings.jwt_issuer, ttl_seconds=ttl_seconds)

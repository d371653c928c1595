"""Settings read from the environment and `.env`, shared by every process."""

from enum import StrEnum
from typing import ClassVar

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_JWT_SECRET = "techniekpact-development-secret-not-for-production"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class BaseProcessSettings(BaseSettings):
    """What every process (gateway or service) reads."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    process_name: ClassVar[str] = "process"

    environment: Environment = Environment.development
    log_level: str = "INFO"
    log_json: bool = True

    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    jwt_jwks_url: str | None = None
    # The issuer of the tokens verified with JWT_JWKS_URL; unset, JWT_ISSUER. In development the services
    # take both: the identity provider's (or /dev-oidc's) and the shared-secret ones of `techniekpact token`.
    jwt_jwks_issuer: str | None = None
    jwt_audience: str = "techniekpact"
    jwt_issuer: str = "techniekpact-dev"

    # After SIGTERM: stop accepting, give requests in flight this long, then close the pool.
    shutdown_timeout_seconds: int = 20
    # OTLP/HTTP collector, e.g. http://otel-collector:4318; unset (or empty) means no tracing.
    otel_exporter_otlp_endpoint: str | None = None

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.production

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> "BaseProcessSettings":
        if self.is_production:
            problems = self.production_problems()
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def production_problems(self) -> list[str]:
        problems = []
        if self.jwt_jwks_url is None and self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
            problems.append("JWT_SECRET or JWT_JWKS_URL must be set in production (the development secret is refused)")
        return problems


class BaseServiceSettings(BaseProcessSettings):
    """A REST service: one PostgreSQL schema of its own."""

    schema_name: ClassVar[str]

    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 5
    db_pool_timeout_seconds: float = 5.0
    db_statement_timeout_ms: int = 30_000
    max_body_bytes: int = 50 * 1024 * 1024
    # A body must arrive whole within this long of the request's start (else 408): a slow upload
    # cannot hold a worker, nor a transaction when its route streams it into the database.
    body_read_timeout_seconds: float = 30.0
    # JSON bodies nesting deeper are refused (422) before any parser sees them.
    max_json_depth: int = 64
    # Deadlocks and serialization failures: attempts in all, and the largest body kept to replay.
    transient_fault_attempts: int = 3
    transient_fault_replay_max_bytes: int = 16 * 1024 * 1024
    # Peers whose X-Forwarded-For names the client (the gateway, an ingress), as uvicorn's setting of
    # that name: comma-separated addresses or networks, or "*". Anyone else's header is ignored.
    forwarded_allow_ips: str = "127.0.0.1,::1"

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.database_url:
            problems.append("DATABASE_URL must name a PostgreSQL server in production "
                            "(the embedded one is for development)")
        return problems

from typing import ClassVar

from pydantic import Field

from common.settings import BaseServiceSettings


class PartnersSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "partners_api"
    schema_name: ClassVar[str] = "partners"

    # Public sign-ups per visitor's address (FORWARDED_ALLOW_IPS says whose X-Forwarded-For to believe):
    # this many in each window, counted in the database across replicas.
    signup_limit: int = 5
    signup_window_seconds: int = 60

    # actions_api owns pacts and participations: a sign-up's pact must exist there, and merging
    # organisations moves participations there.
    actions_api_url: str = "http://127.0.0.1:8001"
    actions_timeout_seconds: float = 3.0

    # metrics_api owns the region registry: municipality codes are checked against its municipalities.
    # The registry is held in the process this long, so a push of 10,000 records costs one call (or none).
    metrics_api_url: str = "http://127.0.0.1:8003"
    metrics_timeout_seconds: float = 3.0
    municipality_registry_ttl_seconds: float = Field(default=300.0, ge=0)

    # A full sync (withdraw_missing) that would withdraw more than this share of the source's records is
    # refused unless it says confirm_withdraw=true: an empty or truncated body is the usual accident.
    max_withdraw_share: float = 0.5

    # A sync session (a full sync in many pushes) that is not closed expires this long after it was
    # opened or last pushed into, and withdraws nothing.
    sync_session_ttl_seconds: int = Field(default=86_400, gt=0)

from typing import ClassVar

from common.settings import BaseServiceSettings


class PartnersSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "partners_api"
    schema_name: ClassVar[str] = "partners"

    # Public sign-ups per client address: a burst of this many, refilled at this rate.
    signup_burst: int = 5
    signup_per_minute: float = 5.0

    # actions_api owns pacts and participations: merging organisations moves participations there.
    actions_api_url: str = "http://127.0.0.1:8001"
    actions_timeout_seconds: float = 3.0

    # A full sync (withdraw_missing) that would withdraw more than this share of the source's records is
    # refused unless it says confirm_withdraw=true: an empty or truncated body is the usual accident.
    max_withdraw_share: float = 0.5

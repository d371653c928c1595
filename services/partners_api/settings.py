from typing import ClassVar

from common.settings import BaseServiceSettings


class PartnersSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "partners_api"
    schema_name: ClassVar[str] = "partners"

    # Public sign-ups per client address: a burst of this many, refilled at this rate.
    signup_burst: int = 5
    signup_per_minute: float = 5.0

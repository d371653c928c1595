from typing import ClassVar

from common.settings import BaseServiceSettings


class PartnersSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "partners_api"
    schema_name: ClassVar[str] = "partners"

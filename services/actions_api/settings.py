from typing import ClassVar

from common.settings import BaseServiceSettings


class ActionsSettings(BaseServiceSettings):
    process_name: ClassVar[str] = "actions_api"
    schema_name: ClassVar[str] = "actions"

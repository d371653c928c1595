from common.migrations import run_env
from services.actions_api.models import metadata

run_env(metadata)

from common.migrations import run_env
from services.partners_api.models import metadata

run_env(metadata)

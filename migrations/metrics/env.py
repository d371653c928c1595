from common.migrations import run_env
from services.metrics_api.models import metadata

run_env(metadata)

"""What the routes of partners_api share: who may call them, and path and query parameters."""

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from common.auth import Principal, require_scope
from common.query_lists import MAX_LIST_ITEMS
from services.partners_api.metrics_client import MetricsClient

# Machine clients push for their sources and do nothing else; a coordinator's registry work needs
# partners:admin; personal data needs contacts:read besides (README, "Who may do what").
Pusher = Annotated[Principal, Depends(require_scope("partners:write"))]
Admin = Annotated[Principal, Depends(require_scope("partners:admin"))]
ContactReader = Annotated[Principal, Depends(require_scope("contacts:read"))]
SourcePath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9_.-]*$",
                                 description="The pushing system, e.g. `hilversum`")]
PactPath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                               description="The pact's slug (actions_api owns pacts)")]
OrganisationIds = Annotated[str, Query(
    description=f"Fetch-many: up to {MAX_LIST_ITEMS} comma-separated organisation ids")]


def _metrics(request: Request) -> MetricsClient:
    """metrics_api's region registry, which municipality codes are checked against."""
    return request.app.state.metrics_api


Regions = Annotated[MetricsClient, Depends(_metrics)]

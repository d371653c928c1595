"""HTTP surface of partners_api: parse, authorise, call the domain, shape the answer; a module per area."""

from fastapi import APIRouter

from services.partners_api.routes import organisations, pacts, push, sectors

router = APIRouter(prefix="/v1")
for area in (organisations, push, sectors, pacts):
    router.include_router(area.router)

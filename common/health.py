"""`/healthz`: the process is alive. `/readyz`: it can serve, i.e. its dependencies answer."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[Request], Awaitable[bool]]


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        results = {name: await check(request) for name, check in checks.items()}
        ready = all(results.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready",
             "checks": {name: "ok" if ok else "failing" for name, ok in results.items()}},
            status_code=200 if ready else 503,
        )

    return router


async def database_ready(request: Request) -> bool:
    return await request.app.state.database.ping()

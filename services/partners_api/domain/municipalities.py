"""Municipality codes as metrics_api's region registry holds them (CBS's codes, with their mergers).

An organisation exists now, so its municipality is one that exists now: a code the registry does
not know is refused, and so is the code of a municipality that has merged away, naming the one it
became part of. The registry is asked through `RegistrySource` (metrics_client.py, cached there).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from common.problems import field_error, invalid


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    valid_to: date | None  # the day it stopped existing (merged away), exclusive
    successor: str | None


Registry = dict[str, Municipality]


class RegistrySource(Protocol):
    async def municipalities(self) -> Registry: ...


def refusal(code: str, registry: Registry, today: date) -> str | None:
    """Why `code` is not a municipality an organisation can be in today, or None when it is."""
    found = registry.get(code)
    if found is None:
        return f"{code} is not a municipality code in CBS's registry (metrics_api's regions)."
    if found.valid_to is None or found.valid_to > today:
        return None
    successor = registry.get(found.successor) if found.successor else None
    if successor is None:
        return (f"{code} ({found.name}) was merged away on {found.valid_to.isoformat()}; "
                "use the code of the municipality it became part of.")
    return (f"{code} ({found.name}) was merged into {successor.code} ({successor.name}) on "
            f"{found.valid_to.isoformat()}; use {successor.code}.")


def successor_of(code: str, registry: Registry) -> str | None:
    found = registry.get(code)
    return found.successor if found is not None else None


async def refusals(source: RegistrySource, codes: Iterable[tuple[Any, str | None]],
                   today: date | None = None) -> list[tuple[Any, str, str | None]]:
    """(key, reason, successor) for each (key, code) whose code is refused; the registry is asked only
    when there is a code to check."""
    present = [(key, code) for key, code in codes if code is not None]
    if not present:
        return []
    registry = await source.municipalities()
    today = today or date.today()
    refused = []
    # Each distinct code is judged once: a push of 10,000 records holds a few hundred municipalities.
    judged: dict[str, str | None] = {}
    for key, code in present:
        if code not in judged:
            judged[code] = refusal(code, registry, today)
        reason = judged[code]
        if reason is not None:
            refused.append((key, reason, successor_of(code, registry)))
    return refused


def error_details(successor: str | None) -> dict[str, str]:
    """What a refusal's error carries besides its field and reason: the successor, when there is one."""
    return {"successor": successor} if successor else {}


async def check(source: RegistrySource, code: str | None, field: str = "municipality_code") -> None:
    """422 naming `field` when `code` is not a municipality an organisation can be in today."""
    refused = await refusals(source, [(field, code)])
    if refused:
        raise invalid([field_error(field, reason, **error_details(successor)) for field, reason, successor in refused])

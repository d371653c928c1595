"""What regions, measures and occupation classes share: codes, member lists and create-or-replace.

A PUT of the same content again is a no-op; one that changes a stored row must name its version
(If-Match). The route owns that header: the rules call `confirm_change` with the current version
just before they change anything, and the route's check raises 428 or 412 there.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.problems import Problem, field_error, invalid, not_found
from services.metrics_api.repository import reference as repository
from services.metrics_api.repository.reference import CodedRow, LinkModel

ConfirmChange = Callable[[int], None]
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


async def found(session: AsyncSession, model: type[CodedRow], code: str, noun: str) -> CodedRow:
    """The row of this code; 404 naming the `noun` when there is none."""
    row = await repository.find(session, model, code)
    if row is None:
        raise not_found(noun, code)
    return row


def path_code_error(reason: str) -> Problem:
    return invalid([field_error("code", reason, **{"in": "path"})])


def same_code(code: str, body_code: str | None) -> None:
    """A body may repeat its code (as seed files list them); it must then be the path's."""
    if body_code is not None and body_code != code:
        raise invalid([field_error("code", f"The body names '{body_code}', the path '{code}'.")])


def check_identifier(code: str, body_code: str | None, refusal: str) -> None:
    """The code of a measure or class is a lowercase identifier (else `refusal`), and the body's if it names one."""
    if not CODE_PATTERN.match(code):
        raise path_code_error(refusal)
    same_code(code, body_code)


def member_errors(code: str, members: list[str], known: set[str], *, itself: str, unknown: str) -> list[dict[str, Any]]:
    """One error per member that is the row itself (`itself`) or not known (`unknown`, formatted with the code)."""
    errors = []
    for index, member in enumerate(members):
        if member == code:
            errors.append(field_error(f"members.{index}", itself))
        elif member not in known:
            errors.append(field_error(f"members.{index}", unknown.format(member)))
    return errors


async def refuse_errors(session: AsyncSession, link: LinkModel, code: str, members: list[str],
                        errors: list[dict[str, Any]], *, contains_itself: str,
                        cycles: list[dict[str, Any]] | None = None) -> None:
    """Raise the errors found (422); with none, refuse a change that closes a cycle in the stored links
    (409: the conflict is with what others wrote), the members that would contain the row itself included."""
    if errors:
        raise invalid(errors)
    conflicts = list(cycles or [])
    if members and code in await repository.reachable(session, link, members):
        conflicts.append(field_error("members", contains_itself))
    if conflicts:
        raise Problem(409, "Conflict", "The change would make a cycle with the links stored now; nothing was written.",
                      type="conflict", errors=conflicts)


@dataclass(frozen=True)
class Members:
    """The members a row is defined by, kept in a link table."""

    link: LinkModel
    codes: list[str]


async def create_or_replace(session: AsyncSession, model: type[CodedRow], code: str, fields: dict[str, Any],
                            confirm_change: ConfirmChange, members: Members | None = None) -> bool:
    """Store the row (and its members); True when it is new. The same content again changes nothing."""
    row = await repository.find(session, model, code, for_update=True)
    if row is None:
        await repository.save(session, model(code=code, **fields))
        if members is not None and members.codes:
            await repository.replace_members(session, members.link, code, members.codes)
        return True
    stored_members, wanted_members = [], []
    if members is not None:
        stored_members = [member for _, member in await repository.members_of(session, members.link, [code])]
        wanted_members = sorted(members.codes)
    if all(getattr(row, name) == value for name, value in fields.items()) and stored_members == wanted_members:
        return False
    confirm_change(row.version)
    for name, value in fields.items():
        setattr(row, name, value)
    await repository.save_change(session, row)
    if members is not None:
        await repository.replace_members(session, members.link, code, members.codes)
    return False

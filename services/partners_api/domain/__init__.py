"""partners_api's rules: organisations, memberships, contacts, sign-ups, the push and merging, a module each.

Importing this package gives the registry's vocabularies alone, never the rules: models.py builds
its check constraints from them, and the rules import the models through the repository.
"""

from enum import StrEnum


class OrganisationKind(StrEnum):
    COMPANY = "company"
    PRIMARY_SCHOOL = "primary_school"
    SECONDARY_SCHOOL = "secondary_school"
    VMBO = "vmbo"
    MBO = "mbo"
    HBO = "hbo"
    UNIVERSITY = "university"
    MUNICIPALITY = "municipality"
    PROVINCE = "province"
    ECONOMIC_BOARD = "economic_board"
    EMPLOYER_ORGANISATION = "employer_organisation"
    SECTOR_FUND = "sector_fund"
    INTERMEDIARY = "intermediary"
    KNOWLEDGE_INSTITUTE = "knowledge_institute"
    TRAINING_COMPANY = "training_company"
    OTHER = "other"


class SignupStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RecordOutcome(StrEnum):
    """What a push did with one record."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"


# The organisation fields a push or a coordinator may set; the order is the order of history rows.
ORGANISATION_FIELDS = (
    "name", "kind", "sectors", "kvk_number", "brin_code", "oin", "municipality_code", "website", "email", "active",
)

# The numbers that say which organisation a record is: no source changes them for the others.
IDENTIFIER_FIELDS = ("kvk_number", "brin_code", "oin")

__all__ = ["IDENTIFIER_FIELDS", "ORGANISATION_FIELDS", "OrganisationKind", "RecordOutcome", "SignupStatus"]

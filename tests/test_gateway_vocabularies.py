"""The gateway may not import a service, so its GraphQL enums, the words its schema documents and the
dashboard's labels (in its message catalogues) are copies of the services' vocabularies: here each copy is held to the original."""

import re
from enum import Enum

import pytest

from gateway.app import WEB_DIR
from gateway.schema import create_schema
from gateway.types.metrics import RegionKind as GraphQLRegionKind
from gateway.types.partners import OrganisationKind as GraphQLOrganisationKind
from services.actions_api import domain as actions
from services.metrics_api import domain as metrics
from services.partners_api import domain as partners

SCHEMA = create_schema()._schema
FORMAT_JS = (WEB_DIR / "js" / "format.js").read_text()
CATALOGUES = ["".join(part.read_text() for part in sorted((WEB_DIR / "js" / "i18n" / language).glob("*.js")))
              for language in ("nl", "en")]


def values(vocabulary: type[Enum]) -> set[str]:
    return {member.value for member in vocabulary}


def documented(type_name: str, field_name: str) -> str:
    graphql_type = SCHEMA.type_map[type_name]
    return graphql_type.fields[field_name].description or ""


def listed(text: str) -> set[str]:
    """The words of "planned, in_progress or stopped"."""
    return {word.strip() for word in re.split(r",| or ", text) if word.strip()}


def labelled(name: str) -> set[str]:
    """The codes a label table of the dashboard labels: format.js's `NAME = labeller("prefix")` reads the
    catalogues' `prefix.code` keys; each language must label the same codes."""
    found = re.search(rf'export const {name} = labeller\("(\w+)"\)', FORMAT_JS)
    assert found, f"format.js has no label table {name}"
    codes = [set(re.findall(rf'^\s*"{found.group(1)}\.(\w+)":', catalogue, re.MULTILINE)) for catalogue in CATALOGUES]
    assert codes[0] == codes[1], f"{name}: the catalogues label other codes"
    return codes[0]


def listed_in_format_js(name: str) -> set[str]:
    """The codes of a list in format.js (`export const NAME = ["code", ...]`)."""
    found = re.search(rf"export const {name} = \[(.*?)\]", FORMAT_JS, re.DOTALL)
    assert found, f"format.js has no list {name}"
    return set(re.findall(r'"(\w+)"', found.group(1)))


@pytest.mark.parametrize(("copy", "original"), [
    (GraphQLOrganisationKind, partners.OrganisationKind),
    (GraphQLRegionKind, metrics.RegionKind),
])
def test_each_graphql_enum_has_the_values_of_the_service_vocabulary(copy, original):
    assert values(copy) == values(original)
    assert {member.name for member in copy} == {value.upper() for value in values(original)}


def test_the_words_the_schema_documents_are_the_services_words():
    assert listed(documented("Action", "status")) == values(actions.ActionStatus)
    assert listed(documented("ParticipantInput", "role")) == values(actions.ParticipationRole)
    assert listed(documented("ProgressReport", "subject")) == values(actions.ReportSubject)
    # A goal's reports have a mutation of their own (addGoalProgressReport).
    assert listed(documented("ProgressReportInput", "subject")) == values(actions.ReportSubject) - {"goal"}
    due = re.search(r"`kind` \(([^)]*)\)", SCHEMA.type_map["DueInput"].description or "")
    assert due and listed(due.group(1)) == values(actions.MomentKind)
    assert set(re.findall(r"(\w+) \(", documented("Series", "kind"))) == values(metrics.MeasureKind)


def test_the_dashboard_offers_every_kind_of_organisation():
    assert listed_in_format_js("ORGANISATION_KINDS") == values(partners.OrganisationKind)


@pytest.mark.parametrize(("table", "vocabulary"), [
    ("kind", partners.OrganisationKind),
    ("regionKind", metrics.RegionKind),
    ("role", actions.ParticipationRole),
    ("reportState", actions.ReportState),
    ("agendaKind", actions.AgendaKind),
    ("level", actions.PactLevel),
])
def test_the_dashboard_labels_every_word_of_a_vocabulary_and_no_other(table, vocabulary):
    assert labelled(table) == values(vocabulary)


def test_the_dashboard_labels_every_status():
    # Its status labels also read the words plans use for a status ("on_track", "at_risk" ...).
    assert labelled("status") >= values(actions.ActionStatus) | values(actions.MilestoneStatus)

"""Four eyes: whoever wrote a progress report cannot approve or return it, whatever scopes their token holds."""

import pytest

from common.testing import bearer, count_rows
from services.actions_api.tests.helpers import make_action, make_pact


async def _submitted_report(client, author) -> dict:
    await make_pact(client, author, "gooi-en-vechtstreek", level="subregional")
    action = await make_action(client, author, "gooi-en-vechtstreek", title="Techniekmiddagen")
    created = await client.post(f"/v1/actions/{action['id']}/progress-reports", headers=author,
                                json={"status": "in_progress", "note": "Eerste middag gehouden"})
    assert created.status_code == 201, created.text
    submitted = await client.post(f"/v1/progress-reports/{created.json()['id']}/submit", headers=author)
    assert submitted.status_code == 200, submitted.text
    return submitted.json()


@pytest.mark.parametrize("step", ["approve", "return"])
async def test_one_token_with_write_and_approve_cannot_review_its_own_report(client, token, db, step):
    both = bearer(token("actions:write", "actions:approve", subject="anna@gooi"))
    report = await _submitted_report(client, both)
    before = await client.get(f"/v1/progress-reports/{report['id']}", headers=both)
    actions_before = (await client.get(f"/v1/actions/{report['action_id']}")).json()

    refused = await client.post(f"/v1/progress-reports/{report['id']}/{step}", headers=both, json={"note": "Prima"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "anna@gooi" in refused.json()["detail"] and "four eyes" in refused.json()["detail"]
    assert (await client.get(f"/v1/progress-reports/{report['id']}", headers=both)).json() == before.json()
    assert (await client.get(f"/v1/actions/{report['action_id']}")).json() == actions_before
    assert await count_rows(db, "progress_reports") == 1

    reviewer = bearer(token("actions:approve", subject="bram@gooi"))
    reviewed = await client.post(f"/v1/progress-reports/{report['id']}/{step}", headers=reviewer,
                                 json={"note": "Prima"})
    assert reviewed.status_code == 200, reviewed.text
    body = reviewed.json()
    # The report keeps who wrote it and who reviewed it, as two fields.
    assert (body["author"], body["reviewed_by"], body["review_note"]) == ("anna@gooi", "bram@gooi", "Prima")

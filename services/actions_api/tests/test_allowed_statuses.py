"""An action names the statuses it may move to, so a form offers only those (issue 20)."""

from services.actions_api.tests.helpers import make_action, make_pact


async def test_an_action_lists_the_moves_its_state_machine_allows_from_where_it_is(client, writer):
    await make_pact(client, writer, "noordvleugel", level="regional")
    action = await make_action(client, writer, "noordvleugel", title="Campusvorming")
    assert action["status"] == "planned" and action["allowed_statuses"] == ["in_progress", "stopped"]

    moves = {"in_progress": ["achieved", "delayed", "stopped"], "achieved": ["in_progress"],
             "stopped": ["planned"], "planned": ["in_progress", "stopped"]}
    current = "planned"
    for status in ("in_progress", "achieved", "in_progress", "stopped", "planned"):
        assert status in moves[current]
        moved = await client.post(f"/v1/actions/{action['id']}/status", json={"status": status}, headers=writer)
        assert moved.status_code == 200, moved.text
        assert moved.json()["allowed_statuses"] == moves[status]
        listed = (await client.get("/v1/actions", params={"ids": action["id"]})).json()["items"]
        assert listed[0]["allowed_statuses"] == moves[status]
        current = status

    refused = await client.post(f"/v1/actions/{action['id']}/status", json={"status": "achieved"}, headers=writer)
    assert refused.status_code == 409 and "in_progress" in refused.json()["detail"]

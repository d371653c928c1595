"""What a cached answer depends on and what an event drops (gateway/cache_tags.py): where the gateway
cannot name a dependency exactly, it drops more, never less."""

from gateway.cache_tags import MAX_NAMED, UNCACHEABLE, Read, tags_of_events, tags_of_reads


def dropped(reads: list[Read], service: str, entity: str, operation: str, ids: list[str]) -> bool:
    event = {"entity": entity, "operation": operation, "ids": ids}
    return bool(tags_of_reads(reads) & tags_of_events(service, [event]))


ORGANISATIONS = Read("partners_api", "/v1/organisations", {"ids": "a,b"}, None,
                     {"items": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]})


def test_an_event_drops_what_names_its_entity_and_nothing_else():
    assert dropped([ORGANISATIONS], "partners_api", "organisations", "updated", ["a"])
    assert not dropped([ORGANISATIONS], "partners_api", "organisations", "updated", ["c"])
    assert not dropped([ORGANISATIONS], "partners_api", "organisations", "created", ["c"])
    assert not dropped([ORGANISATIONS], "actions_api", "actions", "updated", ["a"])


def test_a_key_that_found_nothing_waits_for_a_creation():
    missing = Read("partners_api", "/v1/organisations", {"ids": "a,z"}, None, {"items": [{"id": "a"}]})
    assert dropped([missing], "partners_api", "organisations", "created", ["z"])
    assert not dropped([missing], "partners_api", "organisations", "updated", ["y"])


def test_a_partial_or_filtered_page_depends_on_every_entity_of_its_type():
    whole = Read("actions_api", "/v1/actions", {"pact": "p", "limit": 50}, None,
                 {"items": [{"id": "1"}], "next_cursor": None})
    partial = Read("actions_api", "/v1/actions", {"pact": "p", "limit": 1}, None,
                   {"items": [{"id": "1"}], "next_cursor": "x"})
    filtered = Read("actions_api", "/v1/actions", {"pact": "p", "status": "running", "limit": 50}, None,
                    {"items": [], "next_cursor": None})
    assert not dropped([whole], "actions_api", "actions", "updated", ["2"])
    assert dropped([whole], "actions_api", "actions", "created", ["2"])
    assert dropped([partial], "actions_api", "actions", "updated", ["2"])
    assert dropped([filtered], "actions_api", "actions", "updated", ["2"])
    # Participants and the next milestone are embedded without their ids.
    assert dropped([whole], "actions_api", "milestones", "updated", ["m"])


def test_series_are_dropped_by_measure_whatever_the_region():
    series = Read("metrics_api", "/v1/series/query", {}, {"series": [{"measure": "m1", "region": "agg"}]},
                  {"series": []})
    assert dropped([series], "metrics_api", "series", "updated", ["m1/PV24/total"])
    assert dropped([series], "metrics_api", "observations", "created", ["m1,PV24,total,2014,uwv,1"])
    assert not dropped([series], "metrics_api", "series", "updated", ["m2/agg/total"])
    assert dropped([series], "metrics_api", "region_members", "deleted", ["agg,PV24"])
    assert dropped([series], "metrics_api", "measures", "updated", ["m1"])


def test_a_goals_actual_follows_its_series_and_the_reports():
    lines = Read("actions_api", "/v1/lines", {"pacts": "p"}, None, {"items": [
        {"id": "l", "goals": [{"id": "g", "series": {"measure": "m1", "region": "agg", "occupation": "total"}}]}]})
    assert dropped([lines], "metrics_api", "series", "updated", ["m1/PV24/total"])
    assert dropped([lines], "actions_api", "progress_reports", "updated", ["r"])
    assert not dropped([lines], "metrics_api", "series", "updated", ["m2/PV24/total"])


def test_what_is_not_known_drops_the_whole_service():
    failed = Read("partners_api", "/v1/organisations", {"ids": "a"}, None)
    unknown_path = Read("partners_api", "/v1/something-new", {}, None, {"items": []})
    for read in (failed, unknown_path):
        assert dropped([read], "partners_api", "organisations", "updated", ["x"])
    # An entity type the gateway does not know: everything read from that service.
    assert dropped([ORGANISATIONS], "partners_api", "a_new_table", "updated", ["1"])
    assert not dropped([ORGANISATIONS], "actions_api", "a_new_table", "updated", ["1"])
    assert dropped([ORGANISATIONS], "partners_api", "series", "updated", [""])


def test_past_so_many_ids_the_type_as_a_whole_is_dropped():
    many = [str(number) for number in range(MAX_NAMED + 1)]
    assert len(tags_of_events("partners_api", [{"entity": "organisations", "operation": "updated", "ids": many}])) < 10
    assert dropped([ORGANISATIONS], "partners_api", "organisations", "updated", many)
    assert not dropped([ORGANISATIONS], "partners_api", "memberships", "updated", many)


def test_a_goal_actions_api_could_not_measure_is_not_kept():
    goal = {"id": "g", "series": {"measure": "m1", "region": "agg", "occupation": "total"}, "actual": None,
            "progress_note": "series_unavailable"}
    lines = Read("actions_api", "/v1/lines", {"pacts": "p"}, None, {"items": [{"id": "l", "goals": [goal]}]})
    assert UNCACHEABLE in tags_of_reads([lines])
    assert UNCACHEABLE not in tags_of_reads([Read("actions_api", "/v1/lines", {"pacts": "p"}, None, {"items": [
        {"id": "l", "goals": [{**goal, "progress_note": None}]}]})])

"""Goals and results measured by actions_api in their own unit and window, from metrics_api's series
(faked in-process, tests/conftest.py FakeMetrics) or from approved reports; bad indicators refused."""

from common.testing import count_rows
from services.actions_api.tests.helpers import assert_problem, make_action, make_line, make_pact

PUPILS_SERIES = ("pupils_choosing_technology", "NL01", "total")
JOB_SEEKERS_SERIES = ("job_seekers_into_technology", "NL01", "technical_industry")
# As the Noordvleugel plan gives it: "Van 25% naar 40% leerlingen ... in 2020", the 25% without a year.
PUPILS = {
    "name": "Van 25% naar 40% leerlingen die kiezen voor techniek op alle niveaus in 2020", "scope": "national",
    "unit": "%", "measure_kind": "percentage", "aggregation": "latest",
    "baseline": {"value": 25, "year": None}, "targets": [{"period": "2020", "value": 40}],
    "series": {"measure": "pupils_choosing_technology", "region": "NL01", "scale": 100},
}
JOB_SEEKERS = {
    "name": "10.000 werkzoekenden maken overstap naar technische sector", "scope": "national",
    "unit": "werkzoekenden", "measure_kind": "number", "aggregation": "sum",
    "targets": [{"period": None, "value": 10000}], "window": {"start": "2013"},
    "series": {"measure": "job_seekers_into_technology", "region": "NL01", "occupation": "technical_industry"},
}


async def test_a_share_series_shows_as_a_percentage_with_its_progress(client, writer, metrics):
    # metrics_api serves shares 0..1; a year after the target's is not the goal's to count.
    metrics.series[PUPILS_SERIES] = {"2012": 0.25, "2015": 0.27, "2016": 0.28, "2099": 0.9}
    await make_pact(client, writer)
    [goal] = (await make_line(client, writer, goals=[PUPILS]))["goals"]
    assert goal["series"]["scale"] == 100 and goal["window"] == {"start": None, "end": "2020"}
    assert goal["actual"] == {"value": 28, "period": "2016", "source": "series", "derived": False}
    assert (goal["progress"], goal["progress_note"]) == (0.2, None)   # (28 - 25) / (40 - 25)
    # metrics_api was asked for the window's years only
    assert metrics.calls[-1]["series"] == [{"measure": "pupils_choosing_technology", "region": "NL01",
                                            "occupation": "total", "to": "2020"}]


async def test_a_sum_goal_adds_up_only_its_window_in_one_series_query_per_read(client, writer, metrics):
    metrics.series[PUPILS_SERIES] = {"2016": 0.28}
    metrics.series[JOB_SEEKERS_SERIES] = {"2011": 5000, "2013": 1500, "2014": 2500}
    await make_pact(client, writer)
    await make_line(client, writer, goals=[PUPILS])
    await make_line(client, writer, number=3, name="Werken in de techniek", goals=[JOB_SEEKERS])
    metrics.calls.clear()
    lines = (await client.get("/v1/pacts/noordvleugel/lines")).json()["items"]
    assert len(metrics.calls) == 1 and len(metrics.calls[0]["series"]) == 2
    job_seekers = lines[1]["goals"][0]
    assert job_seekers["window"] == {"start": "2013", "end": None}
    assert job_seekers["actual"] == {"value": 4000, "period": "2014", "source": "series", "derived": False}
    # The plan gives no baseline: no progress, and the reason.
    assert (job_seekers["progress"], job_seekers["progress_note"]) == (None, "no_baseline")


async def test_a_percentage_goal_takes_a_reported_28(client, writer, approver):
    await make_pact(client, writer)
    [goal] = (await make_line(client, writer, goals=[{**PUPILS, "series": None}]))["goals"]
    report = await client.post(f"/v1/goals/{goal['id']}/progress-reports", headers=writer,
                               json={"reported_on": "2017-02-01", "values": [{"period": "2016", "value": 28}]})
    assert report.status_code == 201, report.text
    for step, headers in (("submit", writer), ("approve", approver)):
        answer = await client.post(f"/v1/progress-reports/{report.json()['id']}/{step}", headers=headers)
        assert answer.status_code == 200, answer.text
    found = (await client.get("/v1/goals", params={"ids": goal["id"]})).json()["items"][0]
    assert found["actual"] == {"value": 28, "period": "2016", "source": "reported", "derived": False}
    assert found["progress"] == 0.2


async def test_without_metrics_api_a_read_of_goals_answers_and_says_why_there_is_no_actual(client, writer, metrics):
    await make_pact(client, writer)
    metrics.down = True
    line = await make_line(client, writer, goals=[PUPILS])
    assert (line["goals"][0]["actual"], line["goals"][0]["progress_note"]) == (None, "series_unavailable")
    metrics.down = False
    # A series metrics_api does not know: that goal says so, the others of the read are measured.
    metrics.series[JOB_SEEKERS_SERIES] = {"2014": 2500}
    await make_line(client, writer, number=3, name="Werken in de techniek", goals=[JOB_SEEKERS])
    lines = (await client.get("/v1/pacts/noordvleugel/lines")).json()["items"]
    assert (lines[0]["goals"][0]["actual"], lines[0]["goals"][0]["progress_note"]) == (None, "series_unknown")
    assert lines[1]["goals"][0]["actual"]["value"] == 2500


async def test_a_ten_percent_more_result_is_a_change_from_the_baseline(client, writer):
    """Gooi & Vechtstreek action 2, "10% meer leerlingen kiezen in 2016": +10% of a baseline the plan does not give."""
    await make_pact(client, writer)
    action = await make_action(client, writer)
    created = await client.post(f"/v1/actions/{action['id']}/results", headers=writer, json={
        "description": "10% meer leerlingen kiezen in 2016 voor een opleiding binnen techniek en ICT",
        "indicator": {"unit": "leerlingen", "measure_kind": "number",
                      "targets": [{"period": "2016", "value": 10, "kind": "relative_change"}]}})
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["indicator"]["targets"] == [{"period": "2016", "value": 10, "kind": "relative_change"}]
    assert (result["progress"], result["progress_note"]) == (None, "no_baseline")
    with_baseline = await client.patch(f"/v1/results/{result['id']}", headers={**writer, "If-Match": '"1"'}, json={
        "indicator": {**result["indicator"], "window": None, "baseline": {"value": 200, "year": 2014}}})
    assert with_baseline.status_code == 200, with_baseline.text
    assert with_baseline.json()["indicator"]["window"] == {"start": "2014", "end": "2016"}


async def test_bad_indicators_are_refused_naming_the_field_and_nothing_is_written(client, writer, db):
    await make_pact(client, writer)
    line = await make_line(client, writer)
    bad = [
        ({**JOB_SEEKERS, "window": None}, "window"),   # a summed series from its very first period
        ({**JOB_SEEKERS, "window": {"start": "2016", "end": "2014"}}, "window"),
        ({**PUPILS, "baseline": {"value": 25, "year": 2013}, "window": {"start": "2014"}}, "window"),
        ({**PUPILS, "window": {"start": "volgend jaar"}}, "window.start"),
        ({**PUPILS, "series": {**PUPILS["series"], "scale": 0}}, "series.scale"),
        ({**PUPILS, "targets": [{"period": "2020", "value": 40, "kind": "meer"}]}, "targets.0.kind"),
        ({**PUPILS, "targets": [{"period": "2020", "value": 80, "kind": "change"}]}, "targets"),   # 25 + 80 > 100%
        ({**PUPILS, "measure_kind": "number",
          "targets": [{"period": "2016", "value": -100, "kind": "relative_change"}]}, "targets"),
    ]
    for body, field in bad:
        assert_problem(await client.post(f"/v1/lines/{line['id']}/goals", json=body, headers=writer), 422, field)
    assert await count_rows(db, "goals") == 0

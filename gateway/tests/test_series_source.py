"""GraphQL `series(source:, frequency:)` asks metrics_api for one provider's figures in one frequency; `Series`
names its source and frequency."""

import json
from dataclasses import dataclass, field

from gateway.tests.fakes import FakeServices
from gateway.tests.support import graphql, open_gateway


@dataclass
class SourcedServices(FakeServices):
    """metrics_api as it answers since figures belong to their provider: each series names its source."""

    asked: list[dict] = field(default_factory=list)

    def _series(self, asked: dict) -> dict:  # type: ignore[override]
        self.asked.append(asked)
        served = asked.get("source") or "uwv"  # uwv: the measure's primary source
        return {"measure": asked["measure"], "region": asked["region"], "occupation": asked["occupation"],
                "source": served, "frequency": asked.get("frequency") or "year", "unit": "vacancies", "derived": False,
                "points": [{"period": "2012", "value": 9_000.0 if served == "cbs" else 8_740.0, "status": "final",
                            "revision": 1, "derived": False, "share": None, "missing_reason": None}]}


async def test_series_source_argument_reaches_metrics_api_and_the_answer_names_it():
    services = SourcedServices()
    services.add_regions()
    query = """{
      primary: series(measure: "vacancies_new", region: "PV24") { source frequency points { value } }
      cbs: series(measure: "vacancies_new", region: "PV24", source: "cbs") { source frequency points { value } }
      region(code: "PV24") { series(measure: "vacancies_new", source: "cbs") { source points { value } } }
    }"""
    async with open_gateway(services) as client:
        answer = await graphql(client, query)
    assert "errors" not in answer, json.dumps(answer)
    data = answer["data"]
    assert data["primary"] == {"source": "uwv", "frequency": "year", "points": [{"value": 8740.0}]}
    assert data["cbs"] == {"source": "cbs", "frequency": "year", "points": [{"value": 9000.0}]}
    assert data["region"]["series"] == {"source": "cbs", "points": [{"value": 9000.0}]}
    # Without `source` nothing is sent, so metrics_api serves the primary source; with it, that source.
    assert sorted(str(spec.get("source")) for spec in services.asked) == ["None", "cbs"]


async def test_series_frequency_argument_reaches_metrics_api():
    services = SourcedServices()
    services.add_regions()
    query = """{
      quarters: series(measure: "vacancies_new", region: "PV24", frequency: "quarter") { frequency }
      region(code: "PV24") { series(measure: "vacancies_new", from: "2012", frequency: "month") { frequency } }
      finest: series(measure: "vacancies_new", region: "PV24") { frequency }
    }"""
    async with open_gateway(services) as client:
        answer = await graphql(client, query)
    assert "errors" not in answer, json.dumps(answer)
    assert answer["data"] == {"quarters": {"frequency": "quarter"}, "region": {"series": {"frequency": "month"}},
                              "finest": {"frequency": "year"}}
    assert sorted(str(spec.get("frequency")) for spec in services.asked) == ["None", "month", "quarter"]

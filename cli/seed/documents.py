"""Reading the seed files under seeds/: metrics.yaml, organisations.yaml and one file per pact."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seeds"

Record = dict[str, Any]  # one entry of a seed file, as YAML reads it


class SeedError(Exception):
    """The seed files cannot be read or are inconsistent; one line for the operator."""


@dataclass
class PactDocument:
    """One file under seeds/pacts/: a pact, or (the first file) several without actions."""

    pact: Record
    lines: list[Record] = field(default_factory=list)
    actions: list[Record] = field(default_factory=list)
    agenda: list[Record] = field(default_factory=list)
    members: Record | None = None
    kopgroep: list[str] = field(default_factory=list)
    # The coordinating organisation (external_id) and its "Meedoen?" contact person, as the plan publishes it.
    coordinator: Record | None = None


@dataclass
class Seed:
    regions: list[Record]
    measures: list[Record]
    occupations: list[Record]
    observation_source: str
    observations: list[Record]
    derived_as_printed: Record
    organisations: list[Record]
    pacts: list[PactDocument]

    def pact(self, slug: str) -> PactDocument:
        return next(document for document in self.pacts if document.pact["slug"] == slug)


def read_seed(directory: Path = SEED_DIR) -> Seed:
    metrics = _yaml(directory / "metrics.yaml")
    table = metrics["observations"]
    observations = [
        {"measure": table["measure"], "region": region, "period": table["period"], "occupation": occupation,
         "value": value, "status": table["status"]}
        for region, by_occupation in table["values"].items() for occupation, value in by_occupation.items()
    ]
    pacts: list[PactDocument] = []
    for path in sorted((directory / "pacts").glob("*.yaml")):
        data = _yaml(path)
        if "pacts" in data:
            pacts.extend(PactDocument(pact=pact) for pact in data["pacts"])
        else:
            pacts.append(PactDocument(pact=data["pact"], lines=data.get("lines", []), actions=data.get("actions", []),
                                      agenda=data.get("agenda", []), members=data.get("members"),
                                      kopgroep=data.get("kopgroep", []), coordinator=data.get("coordinator")))
    return Seed(regions=metrics["regions"], measures=metrics["measures"], occupations=metrics["occupations"],
                observation_source=table["source"], observations=observations,
                derived_as_printed=table.get("derived_as_printed", {}),
                organisations=_yaml(directory / "organisations.yaml")["organisations"], pacts=pacts)


def _yaml(path: Path) -> Record:
    try:
        with path.open(encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise SeedError(f"{path}: expected a mapping at the top")
    return data

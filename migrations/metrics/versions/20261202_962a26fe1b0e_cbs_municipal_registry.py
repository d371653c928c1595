"""the region registry: Nederland, the 12 provinces and every municipality of CBS's lists 2013-2025

`../data/cbs_municipalities.csv` holds each municipality that CBS's "Gemeentelijke indelingen per
jaar" lists on 1 January of any year from 2013 to 2025: code, name, province, the day it began when
that lies in this window (`valid_from`), the day it was merged away (`valid_to`, CBS's einddatum,
exclusive) and, where a second source states it, the municipality it became part of (`successor`).

Sources, cross-checked (never typed from memory):
- the codes, provinces and begin and end dates: CBS "Gemeentelijke indelingen per jaar" as NLExtract
  keeps it (github.com/nlextract/NLExtract, bag/db/data/gemeentelijke-indeling.xml, its 2025 update);
- checked against CBS "Gemeenten alfabetisch 2021" and "2023" (github.com/edugis-repo/
  cbsbuurtwijkgemeente): every code and province agrees for both years; the names are CBS's own from
  those files (NLExtract adds "(NH.)" and the like to six of them);
- the successors: CBS's announcements of each year's mergers as the press printed them (nd.nl,
  December 2021: Weesp joins Amsterdam on 24 March 2022, Beemster Purmerend, Heerhugowaard and
  Langedijk form Dijk en Waard, ...; blikopnieuws.nl, December 2018; liwwadders.nl, 2016) and the
  merger laws (Staatsblad 2012/244, 2015/178, 2015/216). Every successor lies in the province of the
  code it replaces (Vianen, Leerdam and Zederik formed Vijfheerenlanden in Utrecht) and exists on the
  day of the merger. The mergers in Flevoland, Utrecht and Noord-Holland (the two plans' regions)
  all have their successor; 70 merged-away codes elsewhere have none yet (CBS's lists do not say it).

A code that is already present keeps its name and parent (an administrator may have set them); only
its validity and successor are filled in.
"""

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '962a26fe1b0e'
down_revision: str | None = '627f4618768b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGISTRY = Path(__file__).resolve().parent.parent / "data" / "cbs_municipalities.csv"
# CBS's codes and today's names of the country and the provinces.
COUNTRY_AND_PROVINCES = [
    ("NL01", "Nederland", "country", None),
    ("PV20", "Groningen", "province", "NL01"), ("PV21", "Fryslân", "province", "NL01"),
    ("PV22", "Drenthe", "province", "NL01"), ("PV23", "Overijssel", "province", "NL01"),
    ("PV24", "Flevoland", "province", "NL01"), ("PV25", "Gelderland", "province", "NL01"),
    ("PV26", "Utrecht", "province", "NL01"), ("PV27", "Noord-Holland", "province", "NL01"),
    ("PV28", "Zuid-Holland", "province", "NL01"), ("PV29", "Zeeland", "province", "NL01"),
    ("PV30", "Noord-Brabant", "province", "NL01"), ("PV31", "Limburg", "province", "NL01"),
]

INSERT = sa.text("""
    INSERT INTO metrics.regions (code, name, kind, parent, valid_from, valid_to, version)
    VALUES (:code, :name, :kind, :parent, :valid_from, :valid_to, 1)
    ON CONFLICT (code) DO UPDATE SET valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to,
        version = regions.version + 1, updated_at = now()
    WHERE (regions.valid_from, regions.valid_to) IS DISTINCT FROM (EXCLUDED.valid_from, EXCLUDED.valid_to)
""")
SUCCESSOR = sa.text("""
    UPDATE metrics.regions SET successor = :successor, version = version + 1, updated_at = now()
    WHERE code = :code AND successor IS DISTINCT FROM :successor
""")


def _municipalities() -> list[dict[str, Any]]:
    with REGISTRY.open(encoding="utf-8", newline="") as file:
        rows = [{key: value or None for key, value in row.items()} for row in csv.DictReader(file)]
    for row in rows:
        for name in ("valid_from", "valid_to"):
            row[name] = date.fromisoformat(row[name]) if row[name] else None
    return rows


def upgrade() -> None:
    connection = op.get_bind()
    for code, name, kind, parent in COUNTRY_AND_PROVINCES:
        connection.execute(INSERT, {"code": code, "name": name, "kind": kind, "parent": parent,
                                    "valid_from": None, "valid_to": None})
    municipalities = _municipalities()
    connection.execute(INSERT, [{"code": row["code"], "name": row["name"], "kind": "municipality",
                                 "parent": row["province"], "valid_from": row["valid_from"],
                                 "valid_to": row["valid_to"]} for row in municipalities])
    connection.execute(SUCCESSOR, [{"code": row["code"], "successor": row["successor"]}
                                   for row in municipalities if row["successor"]])


def downgrade() -> None:
    # The registry's rows go unless something refers to them (an aggregate's members, a region's parent).
    connection = op.get_bind()
    codes = [row["code"] for row in _municipalities()]
    connection.execute(sa.text("UPDATE metrics.regions SET successor = NULL WHERE code = ANY(:codes)"),
                       {"codes": codes})
    for batch in (codes, [code for code, *_ in COUNTRY_AND_PROVINCES[1:]], ["NL01"]):
        connection.execute(sa.text("""
            DELETE FROM metrics.regions r WHERE r.code = ANY(:codes)
              AND NOT EXISTS (SELECT 1 FROM metrics.region_members m WHERE m.member = r.code OR m.region = r.code)
              AND NOT EXISTS (SELECT 1 FROM metrics.regions c WHERE c.parent = r.code OR c.successor = r.code)
        """), {"codes": batch})

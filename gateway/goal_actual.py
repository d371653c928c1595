"""A goal's actual value from measured values: the "sum or latest" rule of actions_api.

actions_api applies it to approved progress reports; the gateway applies it to a metrics series
when a goal points at one. Both are checked against one table of cases
(tests/goal_actual_cases.json). One value counts per period, the most recently reported one
(a later report corrects an earlier one); a summed indicator adds up its periods, any other
takes the latest period's value. Periods compare as periods (`common.periods`), never as
text: 2016-12 comes after 2016-Q1.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from common.periods import Period, parse_period


@dataclass(frozen=True)
class Measured:
    period: str
    value: float
    derived: bool = False
    # Without it, values are in the order they were reported.
    reported_on: date | None = None


@dataclass(frozen=True)
class Actual:
    value: float
    period: str  # the latest period counted
    derived: bool


def goal_actual(values: Iterable[Measured], aggregation: str | None) -> Actual | None:
    per_period: dict[Period, Measured] = {}
    for value in values:
        period = parse_period(value.period)
        kept = per_period.get(period)
        if kept is None or _not_earlier(value, kept):
            per_period[period] = value
    counted = [per_period[period] for period in sorted(per_period, key=lambda period: period.sort_key)]
    if not counted:
        return None
    latest = counted[-1]
    if aggregation == "sum":
        return Actual(value=sum(item.value for item in counted), period=latest.period,
                      derived=any(item.derived for item in counted))
    return Actual(value=latest.value, period=latest.period, derived=latest.derived)


def latest_period(periods: Iterable[str]) -> str | None:
    return max(periods, key=lambda text: parse_period(text).sort_key, default=None)


def _not_earlier(value: Measured, kept: Measured) -> bool:
    if value.reported_on is None or kept.reported_on is None:
        return True
    return value.reported_on >= kept.reported_on

// A pact's goals and its actions' results over time: per period the target and what was measured
// (approved reports, or the goal's series), as a table and as a chart.

import { add, h, notice, table } from "../dom.js";
import { loadChartLibrary } from "../chart.js";
import * as fmt from "../format.js";
import { locale, t } from "../i18n.js";
import { goalEditor } from "./goal_edit.js";
import { downloadLinks, loadPact, nodes, recordHeader } from "./common.js";

const INDICATOR = `unit baseline { value year } targets { period value kind }`;
// One page of actions is 100, the gateway's largest: a pact with more would need the next page too.
export const QUERY = `query OverTime($slug: String!) {
  pact(slug: $slug) {
    slug name
    actionLines { number name goals { id version name ${INDICATOR} reported { period value } actual { value period source }
      seriesReference { measure region occupation scale } } }
    actions(first: 100) {
      nodes { id number title results { id description indicator { measureKind ${INDICATOR} } reported { period value } } }
    }
  }
}`;
const COLOURS = { target: "#0b3d66", measured: "#a11d1d" };

/** A target as a level to reach: the plan may give it as a change from the baseline. */
function targetLevel(target, baseline) {
  if (target.value === null || target.value === undefined) return null;
  if (target.kind === "level") return Number(target.value);
  if (baseline?.value === null || baseline?.value === undefined) return null;
  if (target.kind === "change") return Number(baseline.value) + Number(target.value);
  return Number(baseline.value) * (1 + Number(target.value) / 100);
}

/** One row per period that has a target or a measurement, in time order; the baseline first. */
function periods(indicator, reported, actual) {
  const rows = new Map();
  const row = (period) => rows.get(period) || rows.set(period, { period, targets: [], measured: null }).get(period);
  for (const target of indicator.targets || []) if (target.period) row(target.period).targets.push(target);
  for (const value of reported || []) if (value.period) row(value.period).measured = Number(value.value);
  if (actual?.source === "series" && actual.period) row(actual.period).measured = Number(actual.value);
  return [...rows.values()].sort((a, b) => String(a.period).localeCompare(String(b.period)));
}

function overTime(id, title, indicator, reported, actual, charts, editor = null) {
  const unit = indicator.unit;
  const rows = periods(indicator, reported, actual);
  const undated = (indicator.targets || []).filter((t) => !t.period);
  const baseline = indicator.baseline;
  const body = [
    baseline?.value !== null && baseline?.value !== undefined
      ? h("tr", {}, h("td", {}, `${t("pact.baseline")}${baseline.year ? ` (${baseline.year})` : ""}`), h("td", {}, fmt.DASH),
        h("td", { class: "num" }, fmt.quantity(baseline.value, unit))) : null,
    ...rows.map((r) => h("tr", {}, h("td", {}, fmt.period(r.period)),
      h("td", {}, r.targets.length ? r.targets.map((tgt) => fmt.target({ ...tgt, period: null }, unit)).join("; ") : fmt.DASH),
      h("td", { class: "num" }, r.measured === null ? fmt.DASH : fmt.quantity(r.measured, unit)))),
  ].filter(Boolean);
  const canvas = rows.length ? h("canvas", { role: "img", "aria-label": t("overTime.chartLabel", { title }) }) : null;
  if (canvas) charts.push({ canvas, rows, baseline, unit });
  return h("section", { class: "over-time", "aria-labelledby": id },
    h("h3", { id }, title),
    undated.length ? h("p", { class: "help" }, t("overTime.undated", { targets: undated.map((tgt) => fmt.target(tgt, unit)).join("; ") })) : null,
    body.length ? table(null, [t("overTime.period"), t("overTime.target"), t("overTime.measured")], body,
      { numeric: [2], label: t("overTime.perPeriod", { title }) })
      : h("p", {}, t("overTime.nothing")),
    canvas ? h("div", { class: "chart-box small" }, canvas) : null, editor);
}

function draw(Chart, { canvas, rows, baseline, unit }) {
  const labels = rows.map((r) => fmt.period(r.period));
  const level = (r) => r.targets.map((t) => targetLevel(t, baseline)).find((v) => v !== null) ?? null;
  new Chart(canvas, {
    type: "line",
    data: {
      labels,
      datasets: [
        { label: t("overTime.target"), data: rows.map(level), borderColor: COLOURS.target, backgroundColor: COLOURS.target,
          spanGaps: true, pointStyle: "rectRot", pointRadius: 5 },
        { label: t("overTime.measured"), data: rows.map((r) => r.measured), borderColor: COLOURS.measured,
          backgroundColor: COLOURS.measured, spanGaps: true, pointRadius: 4 },
      ],
    },
    options: { animation: false, maintainAspectRatio: false, locale: locale(),
      scales: { y: { beginAtZero: true, title: { display: Boolean(unit), text: unit || "" } } } },
  });
}

export async function render(view, { slug }) {
  const { pact, errors } = await loadPact(view, slug, QUERY,
    { title: t("overTime.titlePlain"), text: t("overTime.choose"), route: "doelen" });
  if (!pact) return;
  const charts = [];
  const goals = nodes(pact.actionLines).flatMap((line) => (line.goals || []).map((goal, i) =>
    overTime(`goal-${line.number}-${i}`, t("common.line", { number: line.number, name: goal.name }), goal, goal.reported, goal.actual, charts,
      goalEditor(goal, pact.slug, `${line.number}-${i}`))));
  const results = nodes(pact.actions).flatMap((action) => (action.results || [])
    .filter((r) => r.indicator && r.indicator.measureKind !== "qualitative")
    .map((r, i) => overTime(`result-${action.number}-${i}`, t("common.action", { number: action.number, title: r.description }), r.indicator,
      r.reported, null, charts)));
  add(view,
    recordHeader([h("a", { href: "#/doelen" }, t("overTime.titlePlain")),
      h("a", { href: `#/pact/${encodeURIComponent(pact.slug)}` }, pact.name)], t("overTime.title", { name: pact.name }), errors),
    h("p", { class: "help" }, t("overTime.measuredHelp")),
    downloadLinks([["doelen", t("overTime.downloadLabel"), { pact: pact.slug }]]),
    h("h2", {}, t("pact.goals")), goals.length ? goals : h("p", {}, t("overTime.noGoals")),
    h("h2", {}, t("overTime.results")), results.length ? results : h("p", {}, t("overTime.noResults")));
  if (!charts.length) return null;
  let Chart = null;
  try {
    Chart = await loadChartLibrary();
  } catch (error) {
    add(view, notice(error.message, "error"));
    return null;
  }
  // Chart.js sizes itself from its container, so it draws once the page is in the document.
  return () => charts.forEach((chart) => draw(Chart, chart));
}

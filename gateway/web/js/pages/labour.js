// Labour market: a measure (new vacancies unless chosen otherwise) for one region over time, the total
// beside an occupation class (by default the technical and industrial and the ICT classes), and the
// technical share; region, measure, class, period range and frequency are chosen in the address.

import { add, h, notice, table } from "../dom.js";
import { gql } from "../graphql.js";
import { loadChartLibrary } from "../chart.js";
import * as fmt from "../format.js";
import { has, locale, t } from "../i18n.js";
import { downloadLinks, partialNotice } from "./common.js";

const MEASURE = "vacancies_new";
const DEFAULT_REGION = "noordvleugel";
// The technical share is always of these; they are also the classes shown when none is chosen.
const TOTAL = "total";
const TECHNICAL = ["technical_industry", "ict"];
const COLOURS = { total: "#5f6b76", technical_industry: "#0b3d66", ict: "#1f7a70", chosen: "#6a3d9a" };
const SHARE_COLOUR = "#a11d1d";
const SERIES = `frequency unit derived points { period value derived share status }`;
const ARGS = "measure: $measure, region: $region, from: $from, to: $to, frequency: $frequency";
export const QUERY = `query LabourMarket($region: String!, $measure: String!, $from: String, $to: String,
    $frequency: String, $occupation: String!, $chosen: Boolean!) {
  regions { code name kind }
  measures { code name unit }
  occupations { code name parent }
  total: series(${ARGS}, occupation: "total") { ${SERIES} }
  technical_industry: series(${ARGS}, occupation: "technical_industry") { ${SERIES} }
  ict: series(${ARGS}, occupation: "ict") { ${SERIES} }
  chosen: series(${ARGS}, occupation: $occupation) @include(if: $chosen) { ${SERIES} }
}`;
// A series has one frequency (metrics_api serves the one asked for, else the finest it has figures
// for); the classes' series may differ, so without a choice the page shows one frequency on its axis:
// the finest of them. Periods as the API writes them: 2012, 2012-Q3, 2012-07.
const FREQUENCIES = [
  { code: "maand", api: "month", pattern: /^\d{4}-\d{2}$/ },
  { code: "kwartaal", api: "quarter", pattern: /^\d{4}-Q[1-4]$/ },
  { code: "jaar", api: "year", pattern: /^\d{4}$/ },
];
// Municipalities are many and UWV publishes no figures for them: they would only bury the list.
const REGION_KINDS = ["aggregate", "country", "province", "labour_market_region"];

let chart = null;

function byPeriod(series) {
  return new Map((series?.points || []).map((point) => [point.period, point]));
}

/** Technical share: technical and industrial plus ICT occupations, as a fraction of all new vacancies. */
export function technicalShare(total, technical, ict) {
  if (technical?.share != null && ict?.share != null) return technical.share + ict.share;
  if (!total?.value || technical?.value == null || ict?.value == null) return null;
  return (technical.value + ict.value) / total.value;
}

/** An occupation class by name: the catalogue's for the classes the page knows, else metrics_api's. */
function className(code, occupations) {
  return has(`occupation.${code}`) ? fmt.occupation(code) : occupations.find((o) => o.code === code)?.name || code;
}

/** A name inside a sentence: "Totaal" becomes "totaal", an acronym ("ICT occupations") stays. */
function inSentence(name) {
  return /^\p{Lu}\p{Ll}/u.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

/** Region, measure, class, period range and frequency; the choice goes into the address, so it is a permalink. */
function picker(regions, measures, occupations, choice) {
  const groups = REGION_KINDS.map((kind) => [kind, regions.filter((r) => String(r.kind).toLowerCase() === kind)]).filter(([, list]) => list.length);
  const select = h("select", { id: "region", name: "regio" }, groups.map(([kind, list]) =>
    h("optgroup", { label: fmt.regionKind(kind) }, list.map((r) =>
      h("option", { value: r.code, selected: r.code === choice.region }, r.name)))));
  const measure = h("select", { id: "measure", name: "maatstaf" }, measures.map((m) =>
    h("option", { value: m.code, selected: m.code === choice.measure }, m.name)));
  const occupation = h("select", { id: "occupation", name: "beroep" },
    h("option", { value: "" }, t("labour.technicalClasses")),
    occupations.filter((o) => o.code !== TOTAL).map((o) =>
      h("option", { value: o.code, selected: o.code === choice.occupation }, className(o.code, occupations))));
  const frequency = h("select", { id: "frequency", name: "frequentie" },
    h("option", { value: "" }, t("labour.finest")),
    [...FREQUENCIES].reverse().map((f) => h("option", { value: f.code, selected: f.code === choice.frequency }, t(`labour.per.${f.api}`))));
  const period = (id, name, label, value) => h("div", {}, h("label", { for: id }, label),
    h("input", { id, name, value: value || "", placeholder: t("labour.periodPlaceholder"), "aria-describedby": "period-help" }));
  const form = h("form", { class: "filters", "aria-label": t("labour.formLabel") },
    h("div", {}, h("label", { for: "region" }, t("labour.region")), select),
    h("div", {}, h("label", { for: "measure" }, t("labour.measure")), measure),
    h("div", {}, h("label", { for: "occupation" }, t("labour.occupation")), occupation),
    period("period-from", "van", t("labour.from"), choice.from),
    period("period-to", "tot", t("labour.to"), choice.to),
    h("div", {}, h("label", { for: "frequency" }, t("labour.frequency")), frequency),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("labour.show"))),
    h("p", { id: "period-help", class: "help" }, t("labour.periodHelp")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    location.hash = `#/arbeidsmarkt?${params}`;
  });
  return form;
}

/** A figure with its status: a provisional one is marked, as statistics offices mark them. */
function figure(point) {
  if (!point || point.value === null || point.value === undefined) return fmt.DASH;
  return point.status === "provisional"
    ? [fmt.number(point.value), " ", h("abbr", { title: t("labour.provisional"), class: "provisional" }, "*")]
    : fmt.number(point.value);
}

function drawChart(Chart, canvas, periods, columns, shares, measureName) {
  if (chart) chart.destroy();
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  chart = new Chart(canvas, {
    data: {
      labels: periods.map(fmt.period),
      datasets: [
        ...columns.map((column) => ({
          type: "bar",
          label: column.name,
          data: periods.map((p) => column.points.get(p)?.value ?? null),
          backgroundColor: column.colour,
          yAxisID: "y",
          order: 2,
        })),
        {
          type: "line",
          label: t("labour.share"),
          data: shares.map((s) => (s == null ? null : s * 100)),
          borderColor: SHARE_COLOUR,
          backgroundColor: SHARE_COLOUR,
          pointRadius: 5,
          yAxisID: "share",
          order: 1,
        },
      ],
    },
    options: {
      locale: locale(),
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: measureName },
          ticks: { callback: (value) => fmt.number(value) } },
        share: { position: "right", beginAtZero: true, suggestedMax: 100, grid: { drawOnChartArea: false },
          title: { display: true, text: t("labour.share") }, ticks: { callback: (value) => `${fmt.number(value)}%` } },
      },
      plugins: {
        // In the order of the table, whatever order the datasets are drawn in.
        legend: { labels: { sort: (a, b) => a.datasetIndex - b.datasetIndex } },
        tooltip: {
          itemSort: (a, b) => a.datasetIndex - b.datasetIndex,
          callbacks: {
            label: (item) => item.dataset.yAxisID === "share"
              ? `${item.dataset.label}: ${fmt.percent(item.raw / 100)}`
              : `${item.dataset.label}: ${fmt.number(item.raw)}`,
          },
        },
      },
    },
  });
}

/** The frequency shown: the one chosen (metrics_api serves it), else the finest of the series' own. */
function bounds(choice) {
  const chosen = FREQUENCIES.find((f) => f.code === choice.frequency) || null;
  return { chosen, from: choice.from, to: choice.to, frequency: chosen?.api || null };
}

export async function render(view, { query }) {
  const choice = { region: query.get("regio") || DEFAULT_REGION, measure: query.get("maatstaf") || MEASURE,
    occupation: query.get("beroep") || "", from: query.get("van") || null, to: query.get("tot") || null,
    frequency: query.get("frequentie") || "" };
  const region = choice.region;
  const asked = bounds(choice);
  // The technical classes are read for the share anyway: choosing one of them costs no extra series.
  const chosenApart = Boolean(choice.occupation) && ![TOTAL, ...TECHNICAL].includes(choice.occupation);
  const [{ data, errors }, Chart] = await Promise.all([
    gql(QUERY, { region, measure: choice.measure, from: asked.from, to: asked.to, frequency: asked.frequency,
      occupation: chosenApart ? choice.occupation : TOTAL, chosen: chosenApart }), loadChartLibrary()]);
  const regions = data.regions || [];
  const regionName = regions.find((r) => r.code === region)?.name || region;
  const measures = data.measures || [];
  const occupations = data.occupations || [];
  const measureName = measures.find((m) => m.code === choice.measure)?.name || choice.measure;
  const seriesOf = (code) => (code === choice.occupation && chosenApart ? data.chosen : data[code]);
  const shown = [TOTAL, ...(choice.occupation ? [choice.occupation] : TECHNICAL)];
  const frequencies = new Set([TOTAL, ...TECHNICAL, ...shown].map((code) => seriesOf(code)?.frequency).filter(Boolean));
  const frequency = asked.chosen || FREQUENCIES.find((f) => frequencies.has(f.api)) || null;
  // One frequency on the axis: a point of another (a class whose series came in another) is left out.
  const pointsOf = (code) => new Map([...byPeriod(seriesOf(code))].filter(([p]) => frequency?.pattern.test(p)));
  const columns = shown.map((code) => ({ code, name: className(code, occupations), points: pointsOf(code),
    colour: COLOURS[code] || COLOURS.chosen, series: seriesOf(code) }));
  const shareParts = [TOTAL, ...TECHNICAL].map(pointsOf);
  const periods = [...new Set(columns.flatMap((c) => [...c.points.keys()]))].sort();
  const provisional = columns.some((c) => periods.some((p) => c.points.get(p)?.status === "provisional"));
  const shares = periods.map((p) => technicalShare(...shareParts.map((points) => points.get(p))));
  const derived = columns.some((c) => c.series?.derived || (c.series?.points || []).some((p) => p.derived));
  const latest = periods[periods.length - 1];

  add(view,
    h("h1", {}, t("labour.title", { region: regionName })),
    h("p", {}, t("labour.intro", { measure: measureName })),
    picker(regions, measures, occupations, choice),
    partialNotice(errors),
  );
  if (!periods.length) {
    add(view, notice(t(choice.from || choice.to || choice.frequency || choice.occupation ? "labour.noneChosen" : "labour.none",
      { measure: inSentence(measureName), region: regionName })));
    return null;
  }
  add(view,
    h("ul", { class: "stats", "aria-label": t("labour.keyFigures", { period: fmt.period(latest) }) },
      columns.map((column, i) => h("li", {}, `${i ? column.name : measureName} ${fmt.period(latest)}`,
        h("span", { class: "value", id: i ? `stat-${column.code}` : "stat-total" }, fmt.number(column.points.get(latest)?.value)))),
      h("li", {}, `${t("labour.share")} ${fmt.period(latest)}`,
        h("span", { class: "value", id: "stat-share" }, fmt.percent(shares[shares.length - 1])))),
    h("p", { class: "help", id: "frequency-shown" }, t(asked.chosen ? "labour.shownChosen" : "labour.shownFinest",
      { frequency: t(`labour.per.${frequency.api}`).toLowerCase() })),
  );
  const canvas = h("canvas", { role: "img", "aria-label": t("labour.chartLabel", { measure: inSentence(measureName), region: regionName }) });
  add(view,
    h("div", { class: "chart-box" }, canvas),
    table(t("labour.tableCaption", { measure: measureName, region: regionName }),
      [t("overTime.period"), ...columns.map((c) => c.name), t("labour.share")],
      periods.map((p, row) => h("tr", {},
        h("th", { scope: "row" }, fmt.period(p)),
        columns.map((c) => h("td", { class: "num" }, figure(c.points.get(p)))),
        h("td", { class: "num" }, fmt.percent(shares[row])))),
      { numeric: columns.map((_, i) => i + 1).concat(columns.length + 1) }),
    derived ? h("p", { class: "help" }, t("labour.derived")) : null,
    provisional ? h("p", { class: "help", id: "provisional-note" }, t("labour.provisionalNote")) : null,
    h("p", { class: "help" }, t("labour.shareHelp")),
    h("p", { class: "help" }, h("a", { href: location.hash, id: "permalink" }, t("labour.permalink"))),
    downloadLinks(columns.map((c) => ["cijfers", inSentence(c.name), {
      measure: choice.measure, region: choice.region, occupation: c.code,
      ...(asked.from ? { from: asked.from } : {}), ...(asked.to ? { to: asked.to } : {}) }])),
  );
  // Chart.js sizes itself from its container, so it draws once the page is in the document.
  return () => drawChart(Chart, canvas, periods, columns, shares, measureName);
}

// Labour market: a measure (new vacancies unless chosen otherwise) by occupation class for one region over
// time, and the technical share; region, measure, period range and frequency are chosen in the address.

import { add, h, notice, table } from "../dom.js";
import { gql } from "../graphql.js";
import { loadChartLibrary } from "../chart.js";
import * as fmt from "../format.js";
import { downloadLinks, partialNotice } from "./common.js";

const MEASURE = "vacancies_new";
const DEFAULT_REGION = "noordvleugel";
const CLASSES = [
  { code: "total", alias: "total", colour: "#5f6b76" },
  { code: "technical_industry", alias: "technical", colour: "#0b3d66" },
  { code: "ict", alias: "ict", colour: "#1f7a70" },
];
const SHARE_COLOUR = "#a11d1d";
const SERIES = `unit derived points { period value derived share status }`;
export const QUERY = `query LabourMarket($region: String!, $measure: String!, $from: String, $to: String) {
  regions { code name kind }
  measures { code name unit }
  ${CLASSES.map((c) => `${c.alias}: series(measure: $measure, region: $region, occupation: "${c.code}", from: $from, to: $to) { ${SERIES} }`).join("\n  ")}
}`;
// Periods as the API writes them, by frequency: 2012, 2012-Q3, 2012-07.
const FREQUENCIES = [
  { code: "", label: "Alle", pattern: /./ },
  { code: "jaar", label: "Per jaar", pattern: /^\d{4}$/ },
  { code: "kwartaal", label: "Per kwartaal", pattern: /^\d{4}-Q[1-4]$/ },
  { code: "maand", label: "Per maand", pattern: /^\d{4}-\d{2}$/ },
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

/** Region, measure, period range and frequency; the choice goes into the address, so it is a permalink. */
function picker(regions, measures, choice) {
  const groups = REGION_KINDS.map((kind) => [kind, regions.filter((r) => String(r.kind).toLowerCase() === kind)]).filter(([, list]) => list.length);
  const select = h("select", { id: "region", name: "regio" }, groups.map(([kind, list]) =>
    h("optgroup", { label: fmt.regionKind(kind) }, list.map((r) =>
      h("option", { value: r.code, selected: r.code === choice.region }, r.name)))));
  const measure = h("select", { id: "measure", name: "maatstaf" }, measures.map((m) =>
    h("option", { value: m.code, selected: m.code === choice.measure }, m.name)));
  const frequency = h("select", { id: "frequency", name: "frequentie" }, FREQUENCIES.map((f) =>
    h("option", { value: f.code, selected: f.code === choice.frequency }, f.label)));
  const period = (id, name, label, value) => h("div", {}, h("label", { for: id }, label),
    h("input", { id, name, value: value || "", placeholder: "2012 of 2012-Q3", "aria-describedby": "period-help" }));
  const form = h("form", { class: "filters", "aria-label": "Cijfers kiezen" },
    h("div", {}, h("label", { for: "region" }, "Regio"), select),
    h("div", {}, h("label", { for: "measure" }, "Maatstaf"), measure),
    period("period-from", "van", "Vanaf periode", choice.from),
    period("period-to", "tot", "Tot en met periode", choice.to),
    h("div", {}, h("label", { for: "frequency" }, "Frequentie"), frequency),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, "Tonen")),
    h("p", { id: "period-help", class: "help" }, "Een jaar, kwartaal of maand; leeg is alles."));
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
    ? [fmt.number(point.value), " ", h("abbr", { title: "voorlopig cijfer", class: "provisional" }, "*")]
    : fmt.number(point.value);
}

function drawChart(Chart, canvas, periods, lookups, shares, measureName) {
  if (chart) chart.destroy();
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  chart = new Chart(canvas, {
    data: {
      labels: periods.map(fmt.period),
      datasets: [
        ...CLASSES.map((c, i) => ({
          type: "bar",
          label: fmt.occupation(c.code),
          data: periods.map((p) => lookups[i].get(p)?.value ?? null),
          backgroundColor: c.colour,
          yAxisID: "y",
          order: 2,
        })),
        {
          type: "line",
          label: "Technisch aandeel",
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
      locale: "nl-NL",
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: true, text: measureName },
          ticks: { callback: (value) => fmt.number(value) } },
        share: { position: "right", beginAtZero: true, suggestedMax: 100, grid: { drawOnChartArea: false },
          title: { display: true, text: "Technisch aandeel" }, ticks: { callback: (value) => `${fmt.number(value)}%` } },
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

export async function render(view, { query }) {
  const choice = { region: query.get("regio") || DEFAULT_REGION, measure: query.get("maatstaf") || MEASURE,
    from: query.get("van") || null, to: query.get("tot") || null, frequency: query.get("frequentie") || "" };
  const region = choice.region;
  const [{ data, errors }, Chart] = await Promise.all([
    gql(QUERY, { region, measure: choice.measure, from: choice.from, to: choice.to }), loadChartLibrary()]);
  const regions = data.regions || [];
  const regionName = regions.find((r) => r.code === region)?.name || region;
  const measures = data.measures || [];
  const measureName = measures.find((m) => m.code === choice.measure)?.name || choice.measure;
  const series = CLASSES.map((c) => data[c.alias]);
  const lookups = series.map(byPeriod);
  const inFrequency = (FREQUENCIES.find((f) => f.code === choice.frequency) || FREQUENCIES[0]).pattern;
  const periods = [...new Set(lookups.flatMap((l) => [...l.keys()]))].filter((p) => inFrequency.test(p)).sort();
  const provisional = lookups.some((l) => periods.some((p) => l.get(p)?.status === "provisional"));
  const shares = periods.map((p) => technicalShare(...lookups.map((l) => l.get(p))));
  const derived = series.some((s) => s?.derived || (s?.points || []).some((p) => p.derived));
  const latest = periods[periods.length - 1];

  add(view, 
    h("h1", {}, `Arbeidsmarkt: ${regionName}`),
    h("p", {}, `${measureName} naar beroepsklasse, en het aandeel technische, industrie- en informaticaberoepen daarin.`),
    picker(regions, measures, choice),
    partialNotice(errors),
  );
  if (!periods.length) {
    add(view, notice(`Er zijn nog geen cijfers voor ${measureName.toLowerCase()} in ${regionName}${choice.from || choice.to || choice.frequency ? " met deze keuze" : ""}.`));
    return null;
  }
  const latestTotal = lookups[0].get(latest)?.value;
  add(view, 
    h("ul", { class: "stats", "aria-label": `Kerncijfers ${fmt.period(latest)}` },
      h("li", {}, `${measureName} ${fmt.period(latest)}`, h("span", { class: "value", id: "stat-total" }, fmt.number(latestTotal))),
      h("li", {}, `Technisch aandeel ${fmt.period(latest)}`,
        h("span", { class: "value", id: "stat-share" }, fmt.percent(shares[shares.length - 1])))),
  );
  const canvas = h("canvas", { role: "img", "aria-label": `Grafiek van ${measureName.toLowerCase()} per beroepsklasse in ${regionName}; de cijfers staan in de tabel eronder.` });
  add(view, 
    h("div", { class: "chart-box" }, canvas),
    table(`${measureName} in ${regionName}`,
      ["Periode", ...CLASSES.map((c) => fmt.occupation(c.code)), "Technisch aandeel"],
      periods.map((p, row) => h("tr", {},
        h("th", { scope: "row" }, fmt.period(p)),
        lookups.map((l) => h("td", { class: "num" }, figure(l.get(p)))),
        h("td", { class: "num" }, fmt.percent(shares[row])))),
      { numeric: [1, 2, 3, 4] }),
    derived ? h("p", { class: "help" }, "Deze cijfers zijn opgeteld uit die van de deelnemende regio's.") : null,
    provisional ? h("p", { class: "help", id: "provisional-note" }, "* voorlopig cijfer: het kan nog worden herzien.") : null,
    h("p", { class: "help" }, "Technisch aandeel: technische en industrieberoepen plus informaticaberoepen, gedeeld door het totaal. Bron: UWV."),
    h("p", { class: "help" }, h("a", { href: location.hash, id: "permalink" }, "Link naar deze weergave")),
    downloadLinks(CLASSES.map((c) => ["cijfers", fmt.occupation(c.code).toLowerCase(), {
      measure: choice.measure, region: choice.region, occupation: c.code,
      ...(choice.from ? { from: choice.from } : {}), ...(choice.to ? { to: choice.to } : {}) }])),
  );
  // Chart.js sizes itself from its container, so it draws once the page is in the document.
  return () => drawChart(Chart, canvas, periods, lookups, shares, measureName);
}

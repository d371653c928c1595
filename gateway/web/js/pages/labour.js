// Labour market: new vacancies by occupation class for one region over time, and the technical share.

import { add, h, notice, table } from "../dom.js";
import { gql } from "../graphql.js";
import { loadChartLibrary } from "../chart.js";
import * as fmt from "../format.js";
import { partialNotice } from "./common.js";

const MEASURE = "vacancies_new";
const DEFAULT_REGION = "noordvleugel";
const CLASSES = [
  { code: "total", alias: "total", colour: "#5f6b76" },
  { code: "technical_industry", alias: "technical", colour: "#0b3d66" },
  { code: "ict", alias: "ict", colour: "#1f7a70" },
];
const SHARE_COLOUR = "#a11d1d";
const SERIES = `unit derived points { period value derived share status }`;
export const QUERY = `query LabourMarket($region: String!, $measure: String!) {
  regions { code name kind }
  ${CLASSES.map((c) => `${c.alias}: series(measure: $measure, region: $region, occupation: "${c.code}") { ${SERIES} }`).join("\n  ")}
}`;
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

function regionPicker(regions, current) {
  const groups = REGION_KINDS.map((kind) => [kind, regions.filter((r) => String(r.kind).toLowerCase() === kind)]).filter(([, list]) => list.length);
  const select = h("select", { id: "region", name: "regio" }, groups.map(([kind, list]) =>
    h("optgroup", { label: fmt.regionKind(kind) }, list.map((r) =>
      h("option", { value: r.code, selected: r.code === current }, r.name)))));
  const form = h("form", { class: "filters", "aria-label": "Regio kiezen" },
    h("div", {}, h("label", { for: "region" }, "Regio"), select),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, "Tonen")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/arbeidsmarkt?regio=${encodeURIComponent(select.value)}`;
  });
  return form;
}

function drawChart(Chart, canvas, periods, lookups, shares) {
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
        y: { beginAtZero: true, title: { display: true, text: "Nieuwe vacatures" },
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
  const region = query.get("regio") || DEFAULT_REGION;
  const [{ data, errors }, Chart] = await Promise.all([gql(QUERY, { region, measure: MEASURE }), loadChartLibrary()]);
  const regions = data.regions || [];
  const regionName = regions.find((r) => r.code === region)?.name || region;
  const series = CLASSES.map((c) => data[c.alias]);
  const lookups = series.map(byPeriod);
  const periods = [...new Set(lookups.flatMap((l) => [...l.keys()]))].sort();
  const shares = periods.map((p) => technicalShare(...lookups.map((l) => l.get(p))));
  const derived = series.some((s) => s?.derived || (s?.points || []).some((p) => p.derived));
  const latest = periods[periods.length - 1];

  add(view, 
    h("h1", {}, `Arbeidsmarkt: ${regionName}`),
    h("p", {}, "Nieuwe vacatures (bij het UWV geregistreerd) naar beroepsklasse, en het aandeel technische, industrie- en informaticaberoepen daarin."),
    regionPicker(regions, region),
    partialNotice(errors),
  );
  if (!periods.length) {
    add(view, notice(`Er zijn nog geen vacaturecijfers voor ${regionName}.`));
    return null;
  }
  const latestTotal = lookups[0].get(latest)?.value;
  add(view, 
    h("ul", { class: "stats", "aria-label": `Kerncijfers ${fmt.period(latest)}` },
      h("li", {}, `Nieuwe vacatures ${fmt.period(latest)}`, h("span", { class: "value", id: "stat-total" }, fmt.number(latestTotal))),
      h("li", {}, `Technisch aandeel ${fmt.period(latest)}`,
        h("span", { class: "value", id: "stat-share" }, fmt.percent(shares[shares.length - 1])))),
  );
  const canvas = h("canvas", { role: "img", "aria-label": `Grafiek van nieuwe vacatures per beroepsklasse in ${regionName}; de cijfers staan in de tabel eronder.` });
  add(view, 
    h("div", { class: "chart-box" }, canvas),
    table(`Nieuwe vacatures in ${regionName}`,
      ["Periode", ...CLASSES.map((c) => fmt.occupation(c.code)), "Technisch aandeel"],
      periods.map((p, row) => h("tr", {},
        h("th", { scope: "row" }, fmt.period(p)),
        lookups.map((l) => h("td", { class: "num" }, fmt.number(l.get(p)?.value))),
        h("td", { class: "num" }, fmt.percent(shares[row])))),
      { numeric: [1, 2, 3, 4] }),
    derived ? h("p", { class: "help" }, "Deze cijfers zijn opgeteld uit die van de deelnemende regio's.") : null,
    h("p", { class: "help" }, "Technisch aandeel: technische en industrieberoepen plus informaticaberoepen, gedeeld door alle nieuwe vacatures. Bron: UWV."),
  );
  // Chart.js sizes itself from its container, so it draws once the page is in the document.
  return () => drawChart(Chart, canvas, periods, lookups, shares);
}

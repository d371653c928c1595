// Pieces several pages share.

import { add, h, notice } from "../dom.js";
import { describeErrors, gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";

/** Lists may come as plain lists or as Relay connections. */
export function nodes(list) {
  if (!list) return [];
  if (Array.isArray(list)) return list;
  if (Array.isArray(list.nodes)) return list.nodes;
  if (Array.isArray(list.edges)) return list.edges.map((edge) => edge.node);
  return [];
}

/** Partial data: say which part is missing, show the rest. */
export function partialNotice(errors) {
  if (!errors || !errors.length) return null;
  return notice(t("common.partial", { errors: describeErrors(errors) }), "error");
}

/**
 * The one record a page shows (`data[field]`) with the query's errors; without it, the page says
 * it was not found (and `record` is null).
 */
export async function loadRecord(view, query, variables, field, { title, text }) {
  const { data, errors } = await gql(query, variables);
  const record = data[field] || null;
  if (!record) add(view, h("h1", {}, title), notice(text, "error"));
  return { record, errors };
}

const PACTS = `query ChoosePact { pacts { slug name } }`;

/**
 * The start of a page per pact (review, follow-up, goals over time). Without a slug: the pacts to
 * choose from, each a link to `#/<route>/<slug>`, under `title` and `text`. With one: the pact read by
 * `query` (its variables the slug and `variables`), or that it was not found. `pact` is null when
 * the page has nothing more to show.
 */
export async function loadPact(view, slug, query, { title, text, route }, variables = {}) {
  if (!slug) {
    const { data } = await gql(PACTS);
    add(view, h("h1", {}, title), h("p", {}, text),
      h("ul", {}, (data.pacts || []).map((pact) => h("li", {},
        h("a", { href: `#/${route}/${encodeURIComponent(pact.slug)}` }, pact.name)))));
    return { pact: null, errors: [] };
  }
  const { record, errors } = await loadRecord(view, query, { slug, ...variables }, "pact",
    { title: t("pact.notFound"), text: t("pact.notFoundText") });
  return { pact: record, errors };
}

/** A record page's top: the breadcrumb trail to it, its title, what is missing, and its facts. */
export function recordHeader(trail, title, errors, ...facts) {
  return [
    h("p", { class: "breadcrumb" }, trail.flatMap((step, i) => (i ? [" › ", step] : [step]))),
    h("h1", {}, title),
    partialNotice(errors),
    h("ul", { class: "meta" }, ...facts),
  ];
}

export function statusBadge(code, label = fmt.status(code)) {
  return h("span", { class: `badge ${fmt.statusTone(code)}` }, label);
}

export function overdueBadge() {
  return h("span", { class: "badge late" }, t("common.overdue"));
}

/**
 * A progress bar with its figure as text, so it reads without seeing the bar; without a figure, why
 * (`missing`: "geen nulmeting"). The bar stops at its ends, the text says the figure as it is (120%).
 */
export function progressBar(fraction, label, missing = t("common.notMeasured")) {
  const value = fraction === null || fraction === undefined ? null : Number(fraction);
  const text = value === null ? missing : fmt.percent(value);
  // Without a value a <progress> is "indeterminate" and animates as if busy: an empty bar says it better.
  return h("div", { class: "bar" },
    h("progress", { max: "100", value: String(Math.round(Math.max(0, Math.min(1, value ?? 0)) * 100)),
      "aria-label": label, "aria-valuetext": text }),
    h("span", { class: "bar-label" }, text));
}

export function organisationName(participant) {
  if (participant.organisation) {
    return h("a", { href: `#/partner/${encodeURIComponent(participant.organisation.id)}` }, participant.organisation.name);
  }
  return participant.label || fmt.kind(participant.organisationKind);
}

/** Every lead (trekker) of an action (`leads`): a plan may name several, or a kind of organisation. */
export function leads(action) {
  const list = nodes(action.leads);
  if (!list.length) return fmt.DASH;
  return list.flatMap((p, i) => (i ? [", ", organisationName(p)] : [organisationName(p)]));
}

export function dueLabel(milestone) {
  if (!milestone) return fmt.DASH;
  return milestone.due?.label || fmt.date(milestone.dueBy);
}

/**
 * Links to the files `techniekpact export --format xlsx|csv-nl` writes, one Excel and one CSV per
 * `[kind, label, params]` (gateway/downloads.py).
 */
export function downloadLinks(files) {
  return h("p", { class: "downloads" }, t("common.download"), " ", files.flatMap(([kind, label, params], i) =>
    [i ? " · " : null, ...["xlsx", "csv"].flatMap((extension, j) => [j ? ", " : null,
      h("a", { href: `downloads/${kind}.${extension}?${new URLSearchParams(params)}`, download: "" },
        t("common.downloadFile", { label, format: extension === "xlsx" ? "Excel" : "CSV" }))])]));
}

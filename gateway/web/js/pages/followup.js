// Following up a pact: its open milestones that are overdue or due in the next 30 days, by trekker,
// with filters by action line, status, trekker and overdue, and a search on the action's title. The
// filters live in the address (#/opvolging/<slug>?lijn=2&telaat=1), so a view can be shared as a link.

import { add, h, table } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { downloadLinks, dueLabel, loadPact, nodes, overdueBadge, recordHeader, statusBadge } from "./common.js";

const SOON_DAYS = 30;
// A row's trekker: a name from the registry or the plan, or this (in the address too) when none is named.
const NO_LEAD = "-";

function trekkerName(trekker) {
  return trekker === NO_LEAD ? t("followup.noLead") : trekker;
}

// Only the actions with an open milestone due before the horizon come back (`dueBefore`), a page of
// 100 at a time, the gateway's largest; at most MAX_PAGES of them.
const MAX_PAGES = 20;
const ACTIONS = `
    actions(first: 100, dueBefore: $horizon, after: $after) {
      nodes {
        id number title status line { number }
        leads { role organisationKind label organisation { id name } }
        milestones { id title dueBy due { label } status metOn overdue targetCount reachedCount }
      }
      pageInfo { hasNextPage endCursor }
    }`;
export const QUERY = `query FollowUp($slug: String!, $horizon: Date!, $after: String) {
  pact(slug: $slug) {
    slug name
    actionLines { number name }${ACTIONS}
  }
}`;
const MORE = `query FollowUpMore($slug: String!, $horizon: Date!, $after: String) {
  pact(slug: $slug) {${ACTIONS}
  }
}`;

/** The first page came with the pact; the rest follow, one request each. */
async function remainingActions(pact, variables) {
  const found = [...nodes(pact.actions)];
  let { pageInfo } = pact.actions;
  for (let page = 1; page < MAX_PAGES && pageInfo.hasNextPage; page += 1) {
    const { data } = await gql(MORE, { ...variables, after: pageInfo.endCursor });
    found.push(...nodes(data.pact.actions));
    pageInfo = data.pact.actions.pageInfo;
  }
  return found;
}

function leadName(participant) {
  return participant.organisation?.name || participant.label || fmt.kind(participant.organisationKind);
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function daysAfter(day, days) {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * 86400000));
}

/** Every open milestone that is overdue or due within SOON_DAYS, one row per trekker it falls to. */
function followUps(actions, today) {
  const horizon = daysAfter(today, SOON_DAYS);
  const rows = [];
  for (const action of actions) {
    const leads = nodes(action.leads);
    for (const milestone of nodes(action.milestones)) {
      if (milestone.metOn || milestone.status === "met" || milestone.status === "dropped") continue;
      const soon = !milestone.overdue && milestone.dueBy && milestone.dueBy >= today && milestone.dueBy <= horizon;
      if (!milestone.overdue && !soon) continue;
      for (const lead of leads.length ? leads : [null]) {
        rows.push({ action, milestone, trekker: lead ? leadName(lead) : NO_LEAD, overdue: milestone.overdue });
      }
    }
  }
  return rows;
}

function matches(row, filters) {
  const { action } = row;
  if (filters.lijn && String(action.line?.number ?? "") !== filters.lijn) return false;
  if (filters.status && action.status !== filters.status) return false;
  if (filters.trekker && row.trekker !== filters.trekker) return false;
  if (filters.telaat && !row.overdue) return false;
  if (filters.zoek && !action.title.toLowerCase().includes(filters.zoek.toLowerCase())) return false;
  return true;
}

function filterForm(slug, pact, rows, filters) {
  const select = (id, name, label, options) => h("div", {}, h("label", { for: id }, label),
    h("select", { id, name }, h("option", { value: "" }, t("common.all")),
      options.map(([value, text]) => h("option", { value, selected: value === (filters[name] || "") }, text))));
  const trekkers = [...new Set(rows.map((row) => row.trekker))]
    .sort((a, b) => trekkerName(a).localeCompare(trekkerName(b), "nl"));
  const statuses = [...new Set(nodes(pact.actions).map((a) => a.status))];
  const form = h("form", { class: "filters", role: "search", "aria-label": t("followup.formLabel") },
    h("div", {}, h("label", { for: "followup-search" }, t("followup.search")),
      h("input", { id: "followup-search", name: "zoek", type: "search", value: filters.zoek || "" })),
    select("followup-line", "lijn", t("followup.line"), nodes(pact.actionLines).map((l) => [String(l.number), `${l.number}: ${l.name}`])),
    select("followup-status", "status", t("followup.status"), statuses.map((s) => [s, fmt.status(s)])),
    select("followup-lead", "trekker", t("pact.lead"), trekkers.map((name) => [name, trekkerName(name)])),
    h("div", { class: "check" }, h("input", { id: "followup-overdue", name: "telaat", type: "checkbox", value: "1",
      checked: Boolean(filters.telaat) }), h("label", { for: "followup-overdue" }, t("followup.onlyOverdue"))),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("followup.filter"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    location.hash = `#/opvolging/${encodeURIComponent(slug)}${params.size ? `?${params}` : ""}`;
  });
  return form;
}

function byTrekker(rows) {
  const groups = new Map();
  for (const row of rows) groups.set(row.trekker, [...(groups.get(row.trekker) || []), row]);
  return [...groups.entries()].sort(([a, ra], [b, rb]) =>
    rb.filter((r) => r.overdue).length - ra.filter((r) => r.overdue).length || trekkerName(a).localeCompare(trekkerName(b), "nl"));
}

function trekkerSection(trekker, rows, index) {
  const late = rows.filter((row) => row.overdue).length;
  const id = `trekker-${index}`;
  const sorted = [...rows].sort((a, b) => String(a.milestone.dueBy).localeCompare(String(b.milestone.dueBy)));
  return h("section", { class: "followup", "aria-labelledby": id },
    h("h2", { id }, trekkerName(trekker), h("span", { class: "help" }, ` · ${t("followup.groupCounts", { late, soon: rows.length - late, days: SOON_DAYS })}`)),
    table(null, [t("pact.action"), t("followup.milestone"), t("followup.deadline"), t("followup.state")], sorted.map(({ action, milestone }) => h("tr", {},
      h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(action.id)}` }, t("common.action", { number: action.number, title: action.title })),
        " ", statusBadge(action.status)),
      h("td", {}, milestone.title, milestone.targetCount != null
        ? h("span", { class: "help" }, ` (${t("common.countOf", { reached: fmt.number(milestone.reachedCount ?? 0), target: fmt.number(milestone.targetCount) })})`) : null),
      h("td", {}, h("time", { datetime: milestone.dueBy || "" }, dueLabel(milestone))),
      h("td", {}, milestone.overdue ? overdueBadge() : h("span", { class: "badge active" }, t("followup.soon"))))),
    { label: t("followup.of", { name: trekkerName(trekker) }), stack: true }));
}

export async function render(view, { slug, query }) {
  const today = isoDay(new Date());
  // The horizon's day itself is due within SOON_DAYS too: the gateway's `dueBefore` is exclusive.
  const horizon = daysAfter(today, SOON_DAYS + 1);
  const { pact, errors } = await loadPact(view, slug, QUERY,
    { title: t("nav.followup"), text: t("followup.choose"), route: "opvolging" }, { horizon });
  if (!pact) return;
  const filters = Object.fromEntries(["zoek", "lijn", "status", "trekker", "telaat"].map((k) => [k, query.get(k) || ""]));
  const rows = followUps(await remainingActions(pact, { slug, horizon }), today);
  const shown = rows.filter((row) => matches(row, filters));
  const late = new Set(shown.filter((r) => r.overdue).map((r) => r.milestone.id)).size;
  const soon = new Set(shown.filter((r) => !r.overdue).map((r) => r.milestone.id)).size;
  add(view,
    recordHeader([h("a", { href: "#/opvolging" }, t("nav.followup")),
      h("a", { href: `#/pact/${encodeURIComponent(pact.slug)}` }, pact.name)], t("followup.title", { name: pact.name }), errors),
    filterForm(slug, pact, rows, filters),
    h("p", { id: "followup-summary", role: "status" },
      t("followup.summary", { count: late, soon, days: SOON_DAYS })),
    downloadLinks([["acties", t("followup.allActions"), { pact: pact.slug }],
      ["partners", t("followup.partners"), { pact: pact.slug }]]),
    shown.length ? byTrekker(shown).map(([trekker, group], i) => trekkerSection(trekker, group, i))
      : h("p", {}, t("followup.nothing", { days: SOON_DAYS })));
}

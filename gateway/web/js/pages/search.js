// Search across every pact's actions (title, what it is, ambition) and the partner registry (by name).

import { add, h, table } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { partialNotice } from "./common.js";

// Actions are read a page of 100 at a time, at most this many pages: the pacts hold a few hundred.
const MAX_PAGES = 10;
const ACTIONS = `query SearchActions($after: String) {
  actions(first: 100, after: $after) {
    nodes { id number title description ambition status pact { slug name } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PARTNERS = `query SearchPartners($search: String!) {
  organisations(search: $search, first: 25) { nodes { id name kind municipality { name } } }
}`;

async function allActions() {
  const found = [];
  let after = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { data } = await gql(ACTIONS, { after });
    found.push(...data.actions.nodes);
    if (!data.actions.pageInfo.hasNextPage) break;
    after = data.actions.pageInfo.endCursor;
  }
  return found;
}

function searchForm(text) {
  const input = h("input", { id: "search-all", name: "q", type: "search", value: text });
  const form = h("form", { class: "filters", role: "search", "aria-label": t("search.formLabel") },
    h("div", {}, h("label", { for: "search-all" }, t("search.label")), input),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("search.submit"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/zoeken?q=${encodeURIComponent(input.value.trim())}`;
  });
  return form;
}

export async function render(view, { query }) {
  const text = (query.get("q") || "").trim();
  add(view, h("h1", {}, text ? t("search.titleFor", { text }) : t("search.title")), searchForm(text));
  if (!text) return;
  const words = text.toLowerCase().split(/\s+/);
  const [actions, partners] = await Promise.all([allActions(), gql(PARTNERS, { search: text })]);
  const matching = actions.filter((a) => {
    const haystack = [a.title, a.description, a.ambition].join(" ").toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const organisations = partners.data.organisations?.nodes || [];
  add(view, partialNotice(partners.errors),
    h("h2", { id: "found-actions" }, t("search.actions", { count: matching.length })),
    matching.length ? table(null, [t("pact.action"), t("partner.pact"), t("pact.status")], matching.map((a) => h("tr", {},
      h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(a.id)}` }, t("common.action", { number: a.number, title: a.title }))),
      h("td", {}, a.pact ? h("a", { href: `#/pact/${encodeURIComponent(a.pact.slug)}` }, a.pact.name) : fmt.DASH),
      h("td", {}, fmt.status(a.status)))), { label: t("search.foundActions"), stack: true })
      : h("p", {}, t("search.noActions")),
    h("h2", { id: "found-partners" }, t("search.partners", { count: organisations.length })),
    organisations.length ? table(null, [t("partners.name"), t("partners.kindColumn"), t("partners.municipalityColumn")], organisations.map((o) => h("tr", {},
      h("td", {}, h("a", { href: `#/partner/${encodeURIComponent(o.id)}` }, o.name)),
      h("td", {}, fmt.kind(o.kind)), h("td", {}, o.municipality?.name || fmt.DASH))), { label: t("search.foundPartners"), stack: true })
      : h("p", {}, t("search.noPartners")));
}

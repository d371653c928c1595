// Search across every pact's actions (title, what it is, ambition) and the partner registry (by name).

import { add, h, table } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
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
  const form = h("form", { class: "filters", role: "search", "aria-label": "Zoeken in acties en partners" },
    h("div", {}, h("label", { for: "search-all" }, "Zoek in acties en partners"), input),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, "Zoeken")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/zoeken?q=${encodeURIComponent(input.value.trim())}`;
  });
  return form;
}

export async function render(view, { query }) {
  const text = (query.get("q") || "").trim();
  add(view, h("h1", {}, text ? `Zoeken: ${text}` : "Zoeken"), searchForm(text));
  if (!text) return;
  const words = text.toLowerCase().split(/\s+/);
  const [actions, partners] = await Promise.all([allActions(), gql(PARTNERS, { search: text })]);
  const matching = actions.filter((a) => {
    const haystack = [a.title, a.description, a.ambition].join(" ").toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const organisations = partners.data.organisations?.nodes || [];
  add(view, partialNotice(partners.errors),
    h("h2", { id: "found-actions" }, `Acties (${matching.length})`),
    matching.length ? table(null, ["Actie", "Pact", "Status"], matching.map((a) => h("tr", {},
      h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(a.id)}` }, `Actie ${a.number}: ${a.title}`)),
      h("td", {}, a.pact ? h("a", { href: `#/pact/${encodeURIComponent(a.pact.slug)}` }, a.pact.name) : fmt.DASH),
      h("td", {}, fmt.status(a.status)))), { label: "Gevonden acties", stack: true })
      : h("p", {}, "Geen acties gevonden."),
    h("h2", { id: "found-partners" }, `Partners (${organisations.length})`),
    organisations.length ? table(null, ["Naam", "Soort", "Gemeente"], organisations.map((o) => h("tr", {},
      h("td", {}, h("a", { href: `#/partner/${encodeURIComponent(o.id)}` }, o.name)),
      h("td", {}, fmt.kind(o.kind)), h("td", {}, o.municipality?.name || fmt.DASH))), { label: "Gevonden partners", stack: true })
      : h("p", {}, "Geen partners gevonden."));
}

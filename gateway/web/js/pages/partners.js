// Partner directory: search by name, filter by kind and municipality; pages through a connection.

import { add, h, notice, scrollBox } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { downloadLinks, partialNotice } from "./common.js";

const PAGE_SIZE = 25;
export const QUERY = `query Partners($search: String, $kind: OrganisationKind, $municipality: String, $first: Int!, $after: String) {
  organisations(search: $search, kind: $kind, municipality: $municipality, first: $first, after: $after) {
    edges { node { id name kind municipality { code name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const MUNICIPALITIES = `query Municipalities { regions(kind: MUNICIPALITY) { code name } }`;

function row(org) {
  return h("tr", {},
    h("td", {}, h("a", { href: `#/partner/${encodeURIComponent(org.id)}` }, org.name)),
    h("td", {}, fmt.kind(org.kind)),
    h("td", {}, org.municipality ? org.municipality.name || org.municipality.code : fmt.DASH));
}

function filterForm(query, municipalities) {
  const select = (id, name, label, options, current) => h("div", {},
    h("label", { for: id }, label),
    h("select", { id, name }, h("option", { value: "" }, t("common.all")),
      options.map(([value, text]) => h("option", { value, selected: value === current }, text))));
  const form = h("form", { class: "filters", role: "search", "aria-label": t("partners.formLabel") },
    h("div", {}, h("label", { for: "search" }, t("partners.searchName")),
      h("input", { id: "search", name: "zoek", type: "search", value: query.get("zoek") || "" })),
    select("kind", "soort", t("partners.kind"), fmt.ORGANISATION_KINDS.map((code) => [code, fmt.kind(code)]), query.get("soort") || ""),
    select("municipality", "gemeente", t("partners.municipality"),
      municipalities.map((m) => [m.code, m.name]).sort((a, b) => a[1].localeCompare(b[1], "nl")), query.get("gemeente") || ""),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("search.submit"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    location.hash = `#/partners${params.size ? `?${params}` : ""}`;
  });
  return form;
}

export async function render(view, { query }) {
  const variables = {
    search: query.get("zoek") || null,
    // The API's kinds are a GraphQL enum: the same codes, upper case.
    kind: query.get("soort") ? query.get("soort").toUpperCase() : null,
    municipality: query.get("gemeente") || null,
    first: PAGE_SIZE,
    after: null,
  };
  const [{ data, errors }, regions] = await Promise.all([
    gql(QUERY, variables),
    gql(MUNICIPALITIES).catch(() => ({ data: { regions: [] }, errors: [] })),
  ]);
  const body = h("tbody", {});
  const count = h("p", { role: "status", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary" }, t("partners.more"));
  let shown = 0;
  const show = (connection) => {
    const orgs = (connection?.edges || []).map((edge) => edge.node);
    body.append(...orgs.map(row));
    shown += orgs.length;
    count.textContent = shown ? t("partners.shown", { count: shown }) : "";
    more.hidden = !connection?.pageInfo?.hasNextPage;
    variables.after = connection?.pageInfo?.endCursor || null;
    return orgs.length;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    const next = await gql(QUERY, variables);
    const firstNew = body.children.length;
    show(next.data.organisations);
    more.disabled = false;
    body.children[firstNew]?.querySelector("a")?.focus();
  });
  add(view, 
    h("h1", {}, t("nav.partners")),
    h("p", {}, t("partners.intro")),
    filterForm(query, regions.data.regions || []),
    partialNotice(errors),
    // The files `techniekpact export partners --kind --municipality` writes: the filters, not the name search.
    downloadLinks([["partners", t("partners.downloadLabel"), {
      ...(query.get("soort") ? { kind: query.get("soort") } : {}),
      ...(query.get("gemeente") ? { municipality: query.get("gemeente") } : {}) }]]),
    query.get("zoek") ? h("p", { class: "help" }, t("partners.downloadNotSearch")) : null,
  );
  const found = show(data.organisations);
  add(view, found
    ? h("div", {}, count, scrollBox(t("partners.organisations"), h("table", {},
      h("caption", {}, t("partners.organisations")),
      h("thead", {}, h("tr", {}, [t("partners.name"), t("partners.kindColumn"), t("partners.municipalityColumn")]
        .map((text) => h("th", { scope: "col" }, text)))),
      body)), more)
    : notice(t("partners.none")));
}

// One organisation: what it is, the pacts it joined and the actions it takes part in.

import { add, h, table } from "../dom.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { loadRecord, nodes, recordHeader, statusBadge } from "./common.js";

export const QUERY = `query Partner($id: ID!) {
  organisation(id: $id) {
    id name kind sectors website active
    municipality { code name }
    memberships { pact { slug name } joinedOn leftOn }
    actions { id number title status pact { slug name } participants { role organisation { id } } }
  }
}`;

function rolesOf(action, organisationId) {
  const roles = nodes(action.participants).filter((p) => p.organisation?.id === organisationId).map((p) => fmt.role(p.role));
  return roles.length ? [...new Set(roles)].join(", ") : fmt.DASH;
}

export async function render(view, { id }) {
  const { record: org, errors } = await loadRecord(view, QUERY, { id }, "organisation",
    { title: t("partner.notFound"), text: t("partner.notFoundText") });
  if (!org) return;
  const memberships = nodes(org.memberships);
  const actions = nodes(org.actions);
  add(view,
    recordHeader([h("a", { href: "#/partners" }, t("nav.partners")), org.name], org.name, errors,
      h("li", {}, t("partner.kind"), " ", h("strong", {}, fmt.kind(org.kind))),
      org.municipality ? h("li", {}, t("partner.municipality"), " ", h("strong", {}, org.municipality.name || org.municipality.code)) : null,
      org.active === false ? h("li", {}, h("span", { class: "badge muted" }, t("partner.inactive"))) : null,
      org.website ? h("li", {}, h("a", { href: org.website, rel: "noopener" }, t("partner.website"))) : null),
    (org.sectors || []).length ? h("p", {}, t("partner.sectors"), " ", org.sectors.join(", ")) : null,
    h("h2", {}, t("nav.pacts")),
    memberships.length
      ? h("ul", {}, memberships.map((m) => h("li", {},
        m.pact ? h("a", { href: `#/pact/${encodeURIComponent(m.pact.slug)}` }, m.pact.name) : t("action.pact"),
        ` · ${t("partner.joined", { date: fmt.date(m.joinedOn) })}`,
        m.leftOn ? ` · ${t("partner.left", { date: fmt.date(m.leftOn) })}` : "")))
      : h("p", {}, t("partner.noPacts")),
    h("h2", {}, t("pact.actions")),
    actions.length
      ? table(null, [t("pact.action"), t("partner.pact"), t("partner.role"), t("pact.status")], actions.map((action) => h("tr", {},
        h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(action.id)}` }, t("common.action", { number: action.number, title: action.title }))),
        h("td", {}, action.pact?.name || fmt.DASH),
        h("td", {}, rolesOf(action, org.id)),
        h("td", {}, statusBadge(action.status)))), { label: t("pact.actions"), stack: true })
      : h("p", {}, t("partner.noActions")),
  );
}

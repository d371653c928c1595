// One organisation: what it is, the pacts it joined and the actions it takes part in.

import { add, h, table } from "../dom.js";
import * as fmt from "../format.js";
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
    { title: "Organisatie niet gevonden", text: "Deze organisatie staat niet in het register." });
  if (!org) return;
  const memberships = nodes(org.memberships);
  const actions = nodes(org.actions);
  add(view,
    recordHeader([h("a", { href: "#/partners" }, "Partners"), org.name], org.name, errors,
      h("li", {}, "Soort: ", h("strong", {}, fmt.kind(org.kind))),
      org.municipality ? h("li", {}, "Gemeente: ", h("strong", {}, org.municipality.name || org.municipality.code)) : null,
      org.active === false ? h("li", {}, h("span", { class: "badge muted" }, "niet actief")) : null,
      org.website ? h("li", {}, h("a", { href: org.website, rel: "noopener" }, "Website")) : null),
    (org.sectors || []).length ? h("p", {}, "Sectoren: ", org.sectors.join(", ")) : null,
    h("h2", {}, "Pacten"),
    memberships.length
      ? h("ul", {}, memberships.map((m) => h("li", {},
        m.pact ? h("a", { href: `#/pact/${encodeURIComponent(m.pact.slug)}` }, m.pact.name) : "pact",
        ` · aangesloten ${fmt.date(m.joinedOn)}`, m.leftOn ? ` · vertrokken ${fmt.date(m.leftOn)}` : "")))
      : h("p", {}, "Niet aangesloten bij een pact."),
    h("h2", {}, "Acties"),
    actions.length
      ? table(null, ["Actie", "Pact", "Rol", "Status"], actions.map((action) => h("tr", {},
        h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(action.id)}` }, `Actie ${action.number}: ${action.title}`)),
        h("td", {}, action.pact?.name || fmt.DASH),
        h("td", {}, rolesOf(action, org.id)),
        h("td", {}, statusBadge(action.status)))), { label: "Acties", stack: true })
      : h("p", {}, "Neemt (nog) niet deel aan acties."),
  );
}

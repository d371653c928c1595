// Home: the pacts on the platform, each linking to its overview.

import { h, notice } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { partialNotice } from "./common.js";

export const QUERY = `query Pacts {
  pacts { slug name level periodStart periodEnd region { code name } parent { slug name } }
}`;

export async function render(view) {
  const { data, errors } = await gql(QUERY);
  const pacts = data.pacts || [];
  view.append(
    h("h1", {}, "Techniekpacten"),
    h("p", {}, "Kies een pact voor de actielijnen, doelen en acties."),
    partialNotice(errors),
    pacts.length ? h("ul", { class: "cards" }, pacts.map((pact) => h("li", { class: "card" },
      h("h2", {}, h("a", { href: `#/pact/${encodeURIComponent(pact.slug)}` }, pact.name)),
      h("ul", { class: "meta" },
        pact.level ? h("li", {}, fmt.level(pact.level)) : null,
        pact.region ? h("li", {}, pact.region.name || pact.region.code) : null,
        pact.periodStart || pact.periodEnd
          ? h("li", {}, `${String(pact.periodStart || "").slice(0, 4)}–${String(pact.periodEnd || "").slice(0, 4)}`) : null),
      pact.parent ? h("p", {}, "Onderdeel van ", h("a", { href: `#/pact/${encodeURIComponent(pact.parent.slug)}` }, pact.parent.name)) : null,
    ))) : notice("Er zijn nog geen pacten. Laad de voorbeeldgegevens met techniekpact seed."),
  );
}

// Home: the pacts on the platform, each linking to its overview.

import { add, h, notice } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { partialNotice } from "./common.js";

export const QUERY = `query Pacts {
  pacts { slug name level periodStart periodEnd region { code name } parent { slug name } }
}`;

function years(pact) {
  const start = pact.periodStart?.slice(0, 4);
  const end = pact.periodEnd?.slice(0, 4);
  if (start && end) return `${start}–${end}`;
  if (end) return t("pacts.until", { year: end });
  return start ? t("pacts.from", { year: start }) : null;
}

export async function render(view) {
  const { data, errors } = await gql(QUERY);
  const pacts = data.pacts || [];
  add(view, 
    h("h1", {}, t("pacts.title")),
    h("p", {}, t("pacts.intro")),
    partialNotice(errors),
    pacts.length ? h("ul", { class: "cards" }, pacts.map((pact) => h("li", { class: "card" },
      h("h2", {}, h("a", { href: `#/pact/${encodeURIComponent(pact.slug)}` }, pact.name)),
      h("ul", { class: "meta" },
        pact.level ? h("li", {}, fmt.level(pact.level)) : null,
        pact.region ? h("li", {}, pact.region.name || pact.region.code) : null,
        years(pact) ? h("li", {}, years(pact)) : null),
      pact.parent ? h("p", {}, t("pacts.partOf"), " ", h("a", { href: `#/pact/${encodeURIComponent(pact.parent.slug)}` }, pact.parent.name)) : null,
    ))) : notice(t("pacts.none")),
  );
}

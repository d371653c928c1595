// Pages that work per pact (review, follow-up) start from this list when no pact is named.

import { add, h } from "../dom.js";
import { gql } from "../graphql.js";

const PACTS = `query ChoosePact { pacts { slug name } }`;

export async function choosePact(view, title, text, route) {
  const { data } = await gql(PACTS);
  add(view, h("h1", {}, title), h("p", {}, text),
    h("ul", {}, (data.pacts || []).map((pact) => h("li", {},
      h("a", { href: `#/${route}/${encodeURIComponent(pact.slug)}` }, pact.name)))));
}

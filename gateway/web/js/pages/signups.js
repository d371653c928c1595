// Sign-ups ("Meedoen?"): the pending requests to join a pact, for a coordinator to approve (the
// organisation joins, registered anew or matched to one the registry already has) or to reject with a
// reason; and the ones decided lately.

import { add, h, notice } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { partialNotice } from "./common.js";
import { attempt, mutate, reload } from "./reports.js";

const SIGN_UP = "id status pact organisationName kind municipalityCode contactName contactEmail message organisationId reason";
export const QUERY = `query SignUps {
  pending: signUps(status: "pending", first: 50) { nodes { ${SIGN_UP} } }
  approved: signUps(status: "approved", first: 10) { nodes { ${SIGN_UP} } }
  rejected: signUps(status: "rejected", first: 10) { nodes { ${SIGN_UP} } }
  pacts { slug name }
  regions(kind: MUNICIPALITY) { code name }
}`;
const CANDIDATES = `query SignUpCandidates($search: String!) {
  organisations(search: $search, first: 5) { nodes { id name kind municipality { name } } }
}`;
const APPROVE = `mutation ApproveSignUp($id: ID!, $organisation: ID) { approveSignUp(id: $id, organisation: $organisation) { ${SIGN_UP} } }`;
const REJECT = `mutation RejectSignUp($id: ID!, $reason: String) { rejectSignUp(id: $id, reason: $reason) { ${SIGN_UP} } }`;

function facts(signUp, names) {
  return h("ul", { class: "meta" },
    h("li", {}, t("signups.pact"), " ", h("strong", {}, names.pacts.get(signUp.pact) || signUp.pact || fmt.DASH)),
    h("li", {}, t("partner.kind"), " ", fmt.kind(signUp.kind)),
    h("li", {}, t("partner.municipality"), " ", names.municipalities.get(signUp.municipalityCode) || signUp.municipalityCode || fmt.DASH),
    signUp.contactName || signUp.contactEmail
      ? h("li", {}, t("signups.contact"), " ", [signUp.contactName, signUp.contactEmail].filter(Boolean).join(", ")) : null);
}

/** Where the organisation comes from: new in the registry, or one it already holds (found by name). */
function matchChooser(signUp) {
  const group = `match-${signUp.id}`;
  const options = h("div", { class: "matches" },
    h("div", {}, h("input", { type: "radio", name: group, id: `${group}-new`, value: "", checked: true }),
      h("label", { for: `${group}-new` }, t("signups.asNew"))));
  const search = h("button", { type: "button", class: "secondary" }, t("signups.findInRegistry"));
  search.addEventListener("click", async () => {
    search.disabled = true;
    const { data } = await gql(CANDIDATES, { search: signUp.organisationName || "" });
    const found = data.organisations?.nodes || [];
    if (!found.length) options.append(h("p", { class: "help" }, t("signups.noMatch")));
    for (const org of found) {
      const id = `${group}-${org.id}`;
      options.append(h("div", {}, h("input", { type: "radio", name: group, id, value: org.id }),
        h("label", { for: id }, t("signups.matchTo", { name: org.name,
          about: `${fmt.kind(org.kind)}${org.municipality ? `, ${org.municipality.name}` : ""}` }))));
    }
  });
  const chosen = () => options.querySelector(`input[name="${group}"]:checked`)?.value || null;
  return { node: h("fieldset", { class: "match" }, h("legend", {}, t("signups.organisation")), options, search), chosen };
}

function pendingItem(signUp, names, mayDecide) {
  const feedback = h("div", { role: "status", "aria-live": "polite" });
  const match = matchChooser(signUp);
  const reasonId = `reason-${signUp.id}`;
  const reason = h("textarea", { id: reasonId, rows: "2" });
  const approve = h("button", { type: "button", disabled: !mayDecide }, t("reports.approve"));
  const reject = h("button", { type: "button", class: "secondary", disabled: !mayDecide }, t("signups.reject"));
  const act = (button, work) => button.addEventListener("click", () => attempt(button, feedback, work));
  act(approve, async () => {
    await mutate(APPROVE, { id: signUp.id, organisation: match.chosen() });
    reload(t("signups.joined", { name: signUp.organisationName, pact: names.pacts.get(signUp.pact) || signUp.pact }));
  });
  act(reject, async () => {
    if (!reason.value.trim()) throw new Error(t("signups.rejectNeedsReason"));
    await mutate(REJECT, { id: signUp.id, reason: reason.value.trim() });
    reload(t("signups.rejected", { name: signUp.organisationName }));
  });
  return h("li", { class: "signup", dataset: { signup: signUp.id } },
    h("h3", {}, signUp.organisationName || t("signups.unknownOrganisation")), facts(signUp, names),
    signUp.message ? h("p", { class: "note" }, signUp.message) : null,
    mayDecide ? [match.node, h("label", { for: reasonId }, t("signups.reason")), reason] : null,
    h("div", { class: "buttons" }, approve, reject), feedback);
}

function decidedItem(signUp, names) {
  return h("li", {}, h("strong", {}, signUp.organisationName), ` · ${names.pacts.get(signUp.pact) || signUp.pact}`,
    signUp.status === "rejected" ? [` · ${t("signups.wasRejected")}`, signUp.reason ? [": ", h("q", {}, signUp.reason)] : null]
      : ` · ${t("signups.wasApproved")}`);
}

export async function render(view) {
  const me = currentPrincipal();
  const mayDecide = Boolean(me?.scopes.has("partners:admin") || me?.scopes.has("partners:write"));
  add(view, h("h1", {}, t("nav.signups")));
  if (!me) {
    add(view, notice(t("signups.signIn")));
    return;
  }
  const { data, errors } = await gql(QUERY);
  const names = {
    pacts: new Map((data.pacts || []).map((p) => [p.slug, p.name])),
    municipalities: new Map((data.regions || []).map((r) => [r.code, r.name])),
  };
  const pending = data.pending?.nodes || [];
  const decided = [...(data.approved?.nodes || []), ...(data.rejected?.nodes || [])];
  add(view, partialNotice(errors),
    h("p", { id: "signup-count", role: "status" }, t("signups.waiting", { count: pending.length })),
    pending.length ? h("ol", { class: "signups", id: "pending-signups" }, pending.map((s) => pendingItem(s, names, mayDecide))) : null,
    h("h2", {}, t("signups.decided")),
    decided.length ? h("ul", { id: "decided-signups" }, decided.map((s) => decidedItem(s, names))) : h("p", {}, t("signups.noneDecided")));
}

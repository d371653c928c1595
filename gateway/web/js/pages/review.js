// The reviewer's queue: a pact's submitted reports across its actions, to approve or return each with
// a note, and the returned ones still waiting for their author. Without a pact, the pacts to choose from.

import { add, h, notice } from "../dom.js";
import { t } from "../i18n.js";
import { currentPrincipal } from "../auth.js";
import { loadPact, nodes, recordHeader } from "./common.js";
import { REPORT, reportItem } from "./reports.js";

// One page of actions is 100, the gateway's largest: a pact with more would need the next page too.
export const QUERY = `query ReviewQueue($slug: String!) {
  pact(slug: $slug) {
    slug name
    actionLines { number goals { id name unit progressReports { ${REPORT} } } }
    actions(first: 100) {
      nodes {
        id number title status
        milestones { id title targetCount }
        results { id description }
        progressReports { ${REPORT} }
      }
    }
  }
}`;

/** The reports in `state`: each action's, then each line goal's (reported from any action of the line). */
function queue(pact, state) {
  const onActions = nodes(pact.actions).flatMap((action) => nodes(action.progressReports)
    .filter((report) => report.state === state)
    .map((report) => reportItem(report, action, {
      heading: h("h3", {}, h("a", { href: `#/actie/${encodeURIComponent(action.id)}` },
        t("common.action", { number: action.number, title: action.title }))),
    })));
  const onGoals = nodes(pact.actionLines).flatMap((line) => (line.goals || []).flatMap((goal) =>
    (goal.progressReports || []).filter((report) => report.state === state)
      .map((report) => reportItem(report, { goals: [goal] },
        { heading: h("h3", {}, t("common.line", { number: line.number, name: goal.name })) }))));
  const items = [...onActions, ...onGoals];
  return items.length ? h("ol", { class: "reports", id: `queue-${state}` }, items) : null;
}

export async function render(view, { slug }) {
  const { pact, errors } = await loadPact(view, slug, QUERY,
    { title: t("nav.review"), text: t("review.choose"), route: "beoordelen" });
  if (!pact) return;
  const me = currentPrincipal();
  add(view,
    recordHeader([h("a", { href: "#/beoordelen" }, t("nav.review")), pact.name], t("review.title", { name: pact.name }), errors),
    me?.scopes.has("actions:approve") ? null : notice(t("review.signIn")),
    h("section", { "aria-labelledby": "ingediend" }, h("h2", { id: "ingediend" }, t("review.submitted")),
      queue(pact, "submitted") || h("p", {}, t("review.nothingWaiting"))),
    h("section", { "aria-labelledby": "teruggestuurd" }, h("h2", { id: "teruggestuurd" }, t("review.returned")),
      queue(pact, "returned") || h("p", {}, t("review.noneReturned"))));
}

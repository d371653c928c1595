// Pact overview: action lines with their goals (baseline, target, actual, progress) and the actions.

import { add, h, notice, table } from "../dom.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import {
  dueLabel, leads, loadRecord, nodes, overdueBadge, progressBar, recordHeader, statusBadge,
} from "./common.js";

const PARTICIPANT = `role organisationKind label organisation { id name }`;
export const QUERY = `query PactOverview($slug: String!) {
  pact(slug: $slug) {
    slug name level periodStart periodEnd signedOn
    region { code name }
    coordinator { id name }
    parent { slug name }
    children { slug name }
    actionLines {
      number name aim
      goals { name unit measureKind scope baseline { value year } targets { period value kind }
        actual { period value source } progress progressNote }
      actions(first: 50) {
        nodes { id number title status progress
        leads { ${PARTICIPANT} }
        nextMilestone { id title dueBy due { label } status overdue } }
      }
    }
    agenda { id on when label kind }
    members(first: 100) { nodes { joinedOn leftOn organisation { id name kind } } pageInfo { hasNextPage } }
  }
}`;

function goalItem(goal) {
  const targets = goal.targets || [];
  if (String(goal.measureKind).toLowerCase() === "qualitative" || (!goal.baseline && !targets.length && !goal.actual)) {
    return h("li", { class: "goal" }, h("div", { class: "goal-name" }, goal.name),
      h("p", { class: "help" }, t("pact.qualitative")));
  }
  const figure = (term, value) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
  return h("li", { class: "goal" },
    h("div", { class: "goal-name" }, goal.name),
    h("dl", { class: "figures" },
      figure(t("pact.baseline"), goal.baseline
        ? `${fmt.quantity(goal.baseline.value, goal.unit)}${goal.baseline.year ? ` (${goal.baseline.year})` : ""}` : fmt.DASH),
      figure(t("pact.target"), targets.length ? targets.map((tgt) => fmt.target(tgt, goal.unit)).join(", ") : fmt.DASH),
      figure(t("pact.now"), goal.actual
        ? `${fmt.quantity(goal.actual.value, goal.unit)}${goal.actual.period ? ` (${fmt.period(goal.actual.period)})` : ""}`
        : t("pact.notYetMeasured"))),
    // The share of the way from the baseline to the target, as actions_api measures it; else why not.
    progressBar(goal.progress, t("common.progressOf", { name: goal.name }), fmt.progressNote(goal.progressNote)));
}

function agenda(items) {
  const sorted = [...items].sort((a, b) => String(a.on).localeCompare(String(b.on)));
  return table(null, [t("pact.when"), t("pact.what"), t("pact.kind")], sorted.map((item) => h("tr", {},
    h("td", {}, h("time", { datetime: item.on || "" }, item.when || fmt.date(item.on))),
    h("td", {}, item.label),
    h("td", {}, fmt.agendaKind(item.kind)))), { label: t("pact.agenda"), stack: true });
}

function members(connection) {
  const list = nodes(connection).filter((m) => !m.leftOn && m.organisation);
  list.sort((a, b) => a.organisation.name.localeCompare(b.organisation.name, "nl"));  // Dutch names, Dutch order
  // A plan lists its partners "as of September 2014": one date for all is said once.
  const dates = new Set(list.map((m) => m.joinedOn));
  const common = dates.size === 1 ? [...dates][0] : null;
  return [
    h("p", {}, t(common ? "pact.membersSince" : "pact.members", { count: list.length,
      number: `${fmt.number(list.length)}${connection?.pageInfo?.hasNextPage ? "+" : ""}`, date: fmt.date(common) })),
    h("ul", { class: "columns" }, list.map((m) => h("li", {},
      h("a", { href: `#/partner/${encodeURIComponent(m.organisation.id)}` }, m.organisation.name),
      !common && m.joinedOn ? h("span", { class: "help" }, ` ${t("pact.since", { date: fmt.date(m.joinedOn) })}`) : null))),
  ];
}

function actionRow(action) {
  const next = action.nextMilestone;
  return h("tr", { class: next?.overdue ? "overdue" : null },
    h("td", { class: "num" }, String(action.number)),
    h("td", {}, h("a", { href: `#/actie/${encodeURIComponent(action.id)}` }, action.title)),
    h("td", {}, statusBadge(action.status)),
    h("td", {}, leads(action)),
    h("td", {}, next ? [dueLabel(next), next.title ? h("div", { class: "help" }, next.title) : null,
      next.overdue ? [" ", overdueBadge()] : null] : fmt.DASH));
}

export async function render(view, { slug }) {
  const { record: pact, errors } = await loadRecord(view, QUERY, { slug }, "pact",
    { title: t("pact.notFound"), text: t("pact.notFoundSlug", { slug }) });
  if (!pact) return;
  const lines = nodes(pact.actionLines);
  add(view,
    recordHeader([h("a", { href: "#/" }, t("nav.pacts")), pact.name], pact.name, errors,
      pact.level ? h("li", {}, fmt.level(pact.level)) : null,
      pact.region ? h("li", {}, t("pact.region"), " ", h("strong", {}, pact.region.name || pact.region.code)) : null,
      pact.signedOn ? h("li", {}, t("pact.signedOn"), " ", h("strong", {}, fmt.date(pact.signedOn))) : null,
      pact.parent ? h("li", {}, t("pacts.partOf"), " ", h("a", { href: `#/pact/${encodeURIComponent(pact.parent.slug)}` }, pact.parent.name)) : null),
    nodes(pact.children).length ? h("p", {}, t("pact.children"), " ",
      nodes(pact.children).flatMap((c, i) => [i ? ", " : "", h("a", { href: `#/pact/${encodeURIComponent(c.slug)}` }, c.name)])) : null,
    h("h2", {}, t("pact.lines")),
    lines.length ? null : notice(t("pact.noLines")),
    lines.map((line) => {
      const actions = nodes(line.actions);
      const goals = nodes(line.goals);
      return h("section", { class: "line", "aria-labelledby": `lijn-${line.number}` },
        h("h3", { id: `lijn-${line.number}` }, t("common.line", { number: line.number, name: line.name })),
        line.aim ? h("p", {}, line.aim) : null,
        goals.length ? [h("h4", {}, t("pact.goals")), h("ul", { class: "goals" }, goals.map(goalItem))] : null,
        h("h4", {}, t("pact.actions")),
        actions.length
          ? table(null, [t("pact.number"), t("pact.action"), t("pact.status"), t("pact.lead"), t("pact.nextMilestone")],
            actions.map(actionRow), { numeric: [0], label: t("pact.actionsOfLine", { number: line.number }), stack: true })
          : h("p", {}, t("pact.noActions")));
    }),
    nodes(pact.members).length ? [h("h2", {}, t("pact.membersTitle")), members(pact.members)] : null,
    // Its contact person is personal data: the API gives it only to tokens with contacts:read.
    pact.coordinator ? [h("h2", {}, t("pact.join")), h("p", {}, t("pact.joinContact"), " ",
      h("a", { href: `#/partner/${encodeURIComponent(pact.coordinator.id)}` }, pact.coordinator.name), ".")] : null,
    nodes(pact.agenda).length ? [h("h2", {}, t("pact.agenda")), agenda(nodes(pact.agenda))] : null,
  );
}

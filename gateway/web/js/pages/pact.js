// Pact overview: action lines with their goals (baseline, target, actual, progress) and the actions.

import { add, h, notice, table } from "../dom.js";
import * as fmt from "../format.js";
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
      h("p", { class: "help" }, "Kwalitatief doel: zonder nulmeting of streefcijfer."));
  }
  const figure = (term, value) => h("div", {}, h("dt", {}, term), h("dd", {}, value));
  return h("li", { class: "goal" },
    h("div", { class: "goal-name" }, goal.name),
    h("dl", { class: "figures" },
      figure("Nulmeting", goal.baseline
        ? `${fmt.quantity(goal.baseline.value, goal.unit)}${goal.baseline.year ? ` (${goal.baseline.year})` : ""}` : fmt.DASH),
      figure("Doel", targets.length ? targets.map((t) => fmt.target(t, goal.unit)).join(", ") : fmt.DASH),
      figure("Nu", goal.actual
        ? `${fmt.quantity(goal.actual.value, goal.unit)}${goal.actual.period ? ` (${fmt.period(goal.actual.period)})` : ""}`
        : "nog niet gemeten")),
    // The share of the way from the baseline to the target, as actions_api measures it; else why not.
    progressBar(goal.progress, `Voortgang van ${goal.name}`, fmt.progressNote(goal.progressNote)));
}

function agenda(items) {
  const sorted = [...items].sort((a, b) => String(a.on).localeCompare(String(b.on)));
  return table(null, ["Wanneer", "Wat", "Soort"], sorted.map((item) => h("tr", {},
    h("td", {}, h("time", { datetime: item.on || "" }, item.when || fmt.date(item.on))),
    h("td", {}, item.label),
    h("td", {}, fmt.agendaKind(item.kind)))), { label: "Agenda", stack: true });
}

function members(connection) {
  const list = nodes(connection).filter((m) => !m.leftOn && m.organisation);
  list.sort((a, b) => a.organisation.name.localeCompare(b.organisation.name, "nl"));
  // A plan lists its partners "as of September 2014": one date for all is said once.
  const dates = new Set(list.map((m) => m.joinedOn));
  const common = dates.size === 1 ? [...dates][0] : null;
  return [
    h("p", {}, `${fmt.number(list.length)}${connection?.pageInfo?.hasNextPage ? "+" : ""} aangesloten partijen`
      + (common ? `, aangesloten op ${fmt.date(common)}.` : ".")),
    h("ul", { class: "columns" }, list.map((m) => h("li", {},
      h("a", { href: `#/partner/${encodeURIComponent(m.organisation.id)}` }, m.organisation.name),
      !common && m.joinedOn ? h("span", { class: "help" }, ` sinds ${fmt.date(m.joinedOn)}`) : null))),
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
    { title: "Pact niet gevonden", text: `Er is geen pact "${slug}".` });
  if (!pact) return;
  const lines = nodes(pact.actionLines);
  add(view,
    recordHeader([h("a", { href: "#/" }, "Pacten"), pact.name], pact.name, errors,
      pact.level ? h("li", {}, fmt.level(pact.level)) : null,
      pact.region ? h("li", {}, "Regio: ", h("strong", {}, pact.region.name || pact.region.code)) : null,
      pact.signedOn ? h("li", {}, "Ondertekend: ", h("strong", {}, fmt.date(pact.signedOn))) : null,
      pact.parent ? h("li", {}, "Onderdeel van ", h("a", { href: `#/pact/${encodeURIComponent(pact.parent.slug)}` }, pact.parent.name)) : null),
    nodes(pact.children).length ? h("p", {}, "Uitgewerkt in: ",
      nodes(pact.children).flatMap((c, i) => [i ? ", " : "", h("a", { href: `#/pact/${encodeURIComponent(c.slug)}` }, c.name)])) : null,
    h("h2", {}, "Actielijnen"),
    lines.length ? null : notice("Dit pact heeft nog geen actielijnen."),
    lines.map((line) => {
      const actions = nodes(line.actions);
      const goals = nodes(line.goals);
      return h("section", { class: "line", "aria-labelledby": `lijn-${line.number}` },
        h("h3", { id: `lijn-${line.number}` }, `Actielijn ${line.number}: ${line.name}`),
        line.aim ? h("p", {}, line.aim) : null,
        goals.length ? [h("h4", {}, "Doelen"), h("ul", { class: "goals" }, goals.map(goalItem))] : null,
        h("h4", {}, "Acties"),
        actions.length
          ? table(null, ["Nr.", "Actie", "Status", "Trekker", "Volgende mijlpaal"], actions.map(actionRow),
            { numeric: [0], label: `Acties van actielijn ${line.number}`, stack: true })
          : h("p", {}, "Geen acties onder deze actielijn."));
    }),
    nodes(pact.members).length ? [h("h2", {}, "Aangesloten partijen"), members(pact.members)] : null,
    // Its contact person is personal data: the API gives it only to tokens with contacts:read.
    pact.coordinator ? [h("h2", {}, "Meedoen?"), h("p", {}, "Interesse om aan te sluiten? Neem contact op met ",
      h("a", { href: `#/partner/${encodeURIComponent(pact.coordinator.id)}` }, pact.coordinator.name), ".")] : null,
    nodes(pact.agenda).length ? [h("h2", {}, "Agenda"), agenda(nodes(pact.agenda))] : null,
  );
}

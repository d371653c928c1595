// One action: what it is, who takes part, its milestones on a timeline, results and progress reports
// (pages/reports.js), and for a trekker or coordinator the form to draft one (pages/report_form.js).

import { currentPrincipal } from "../auth.js";
import { add, h } from "../dom.js";
import { getToken } from "../graphql.js";
import * as fmt from "../format.js";
import {
  leads, loadRecord, nodes, organisationName, overdueBadge, progressBar, recordHeader, statusBadge,
} from "./common.js";
import { actionEditors } from "./action_edit.js";
import { REPORT, reportList } from "./reports.js";
import { reportForm } from "./report_form.js";
import { RESULT, resultEditor } from "./result_edit.js";

export const QUERY = `query ActionPage($id: ID!) {
  action(id: $id) {
    id number title description aim ambition status progress allowedStatuses version
    pact { slug name }
    line { number name goals { id name unit progressReports { ${REPORT} } } }
    participants { role organisationKind label organisation { id name } }
    leads { role organisationKind label organisation { id name } }
    milestones { id version title dueBy due { label } targetCount reachedCount status metOn overdue }
    results { ${RESULT} actual progress progressNote }
    progressReports { ${REPORT} }
  }
}`;

function section(title, id, ...content) {
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function timeline(milestones) {
  if (!milestones.length) return h("p", {}, "Nog geen mijlpalen vastgelegd.");
  const sorted = [...milestones].sort((a, b) => String(a.dueBy).localeCompare(String(b.dueBy)));
  return h("ol", { class: "timeline" }, sorted.map((m) => {
    const met = Boolean(m.metOn);
    return h("li", { class: met ? "met" : m.overdue ? "overdue" : null },
      h("time", { datetime: m.dueBy || "" }, m.due?.label || fmt.date(m.dueBy)),
      h("div", {}, m.title),
      h("div", {},
        met ? h("span", { class: "badge done" }, `gehaald op ${fmt.date(m.metOn)}`) : statusBadge(m.status),
        m.overdue && !met ? [" ", overdueBadge()] : null,
        m.targetCount != null ? ` ${fmt.number(m.reachedCount ?? 0)} van ${fmt.number(m.targetCount)}` : null));
  }));
}

function results(list) {
  if (!list.length) return h("p", {}, "Nog geen resultaten vastgelegd.");
  return h("ul", {}, list.map((r) => h("li", {},
    r.description,
    (r.indicator?.targets || []).length ? h("div", { class: "help" }, `Doel: ${r.indicator.targets
      .map((t) => fmt.target(t, r.indicator.unit)).join(", ")}`) : null,
    r.actual != null ? h("div", { class: "help" }, `Gemeten: ${fmt.quantity(r.actual, r.indicator?.unit)}`) : null,
    (r.indicator?.targets || []).length
      ? progressBar(r.progress, `Voortgang van ${r.description}`, fmt.progressNote(r.progressNote)) : null)));
}

function resultEditors(action) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return null;
  const editors = nodes(action.results).map((result, i) => resultEditor(action, result, i));
  return editors.length ? h("div", { class: "result-edits" }, editors) : null;
}

export async function render(view, { id }) {
  const { record: action, errors } = await loadRecord(view, QUERY, { id }, "action",
    { title: "Actie niet gevonden", text: "Deze actie bestaat niet (meer)." });
  if (!action) return;
  const participants = nodes(action.participants);
  const editors = actionEditors({ ...action, milestones: nodes(action.milestones), participants });
  // The line's goals are reported on from each of its actions' pages: their reports show here too.
  const goals = action.line?.goals || [];
  const withGoals = { ...action, goals };
  const reports = [...nodes(action.progressReports), ...goals.flatMap((goal) => goal.progressReports || [])];
  const pactLink = action.pact
    ? h("a", { href: `#/pact/${encodeURIComponent(action.pact.slug)}` }, action.pact.name) : "pact";
  add(view,
    recordHeader([h("a", { href: "#/" }, "Pacten"), pactLink, `Actie ${action.number}`],
      `Actie ${action.number}: ${action.title}`, errors,
      action.line ? h("li", {}, `Actielijn ${action.line.number}: ${action.line.name}`) : null,
      h("li", {}, "Status: ", statusBadge(action.status)),
      h("li", { class: "lead" }, "Trekker: ", h("strong", {}, leads(action)))),
    progressBar(action.progress, "Voortgang van de actie"),
    editors.action,
    section("Wat is het?", "wat", h("p", { class: "prose" }, action.description || fmt.DASH)),
    action.aim ? section("Doel", "doel", h("p", {}, action.aim)) : null,
    section("Ambitie", "ambitie", h("p", {}, action.ambition || fmt.DASH)),
    section("Wie doen mee?", "wie", participants.length
      ? h("ul", { class: "participants" }, participants.map((p) => h("li", {},
        h("strong", {}, fmt.role(p.role)), ": ", organisationName(p))))
      : h("p", {}, "Nog geen deelnemers vastgelegd."), editors.participants),
    section("Mijlpalen", "mijlpalen", timeline(nodes(action.milestones)), editors.milestones),
    section("Resultaten", "resultaten", results(nodes(action.results)), resultEditors(action)),
    section("Voortgangsrapportages", "rapportages",
      getToken() ? null : h("p", { class: "help" }, "Concepten zijn zichtbaar voor wie is aangemeld als trekker, coördinator of beoordelaar."),
      reportList(reports, withGoals), reportForm(withGoals)),
  );
}

// One action: what it is, who takes part, its milestones on a timeline, results and progress reports
// (pages/reports.js), and for a trekker or coordinator the form to draft one (pages/report_form.js).

import { currentPrincipal } from "../auth.js";
import { add, h } from "../dom.js";
import { getToken } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
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
  if (!milestones.length) return h("p", {}, t("action.noMilestones"));
  const sorted = [...milestones].sort((a, b) => String(a.dueBy).localeCompare(String(b.dueBy)));
  return h("ol", { class: "timeline" }, sorted.map((m) => {
    const met = Boolean(m.metOn);
    return h("li", { class: met ? "met" : m.overdue ? "overdue" : null },
      h("time", { datetime: m.dueBy || "" }, m.due?.label || fmt.date(m.dueBy)),
      h("div", {}, m.title),
      h("div", {},
        met ? h("span", { class: "badge done" }, t("action.metOn", { date: fmt.date(m.metOn) })) : statusBadge(m.status),
        m.overdue && !met ? [" ", overdueBadge()] : null,
        m.targetCount != null ? ` ${t("common.countOf", { reached: fmt.number(m.reachedCount ?? 0), target: fmt.number(m.targetCount) })}` : null));
  }));
}

function results(list) {
  if (!list.length) return h("p", {}, t("action.noResults"));
  return h("ul", {}, list.map((r) => h("li", {},
    r.description,
    (r.indicator?.targets || []).length ? h("div", { class: "help" }, t("action.resultTarget", { targets: r.indicator.targets
      .map((tgt) => fmt.target(tgt, r.indicator.unit)).join(", ") })) : null,
    r.actual != null ? h("div", { class: "help" }, t("action.measured", { value: fmt.quantity(r.actual, r.indicator?.unit) })) : null,
    (r.indicator?.targets || []).length
      ? progressBar(r.progress, t("common.progressOf", { name: r.description }), fmt.progressNote(r.progressNote)) : null)));
}

function resultEditors(action) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return null;
  const editors = nodes(action.results).map((result, i) => resultEditor(action, result, i));
  return editors.length ? h("div", { class: "result-edits" }, editors) : null;
}

export async function render(view, { id }) {
  const { record: action, errors } = await loadRecord(view, QUERY, { id }, "action",
    { title: t("action.notFound"), text: t("action.notFoundText") });
  if (!action) return;
  const participants = nodes(action.participants);
  const editors = actionEditors({ ...action, milestones: nodes(action.milestones), participants });
  // The line's goals are reported on from each of its actions' pages: their reports show here too.
  const goals = action.line?.goals || [];
  const withGoals = { ...action, goals };
  const reports = [...nodes(action.progressReports), ...goals.flatMap((goal) => goal.progressReports || [])];
  const pactLink = action.pact
    ? h("a", { href: `#/pact/${encodeURIComponent(action.pact.slug)}` }, action.pact.name) : t("action.pact");
  add(view,
    recordHeader([h("a", { href: "#/" }, t("nav.pacts")), pactLink, t("common.actionNumber", { number: action.number })],
      t("common.action", { number: action.number, title: action.title }), errors,
      action.line ? h("li", {}, t("common.line", { number: action.line.number, name: action.line.name })) : null,
      h("li", {}, t("action.status"), " ", statusBadge(action.status)),
      h("li", { class: "lead" }, t("action.lead"), " ", h("strong", {}, leads(action)))),
    progressBar(action.progress, t("action.progress")),
    editors.action,
    section(t("action.what"), "wat", h("p", { class: "prose" }, action.description || fmt.DASH)),
    action.aim ? section(t("action.aim"), "doel", h("p", {}, action.aim)) : null,
    section(t("action.ambition"), "ambitie", h("p", {}, action.ambition || fmt.DASH)),
    section(t("action.who"), "wie", participants.length
      ? h("ul", { class: "participants" }, participants.map((p) => h("li", {},
        h("strong", {}, fmt.role(p.role)), ": ", organisationName(p))))
      : h("p", {}, t("action.noParticipants")), editors.participants),
    section(t("action.milestones"), "mijlpalen", timeline(nodes(action.milestones)), editors.milestones),
    section(t("action.results"), "resultaten", results(nodes(action.results)), resultEditors(action)),
    section(t("action.reports"), "rapportages",
      getToken() ? null : h("p", { class: "help" }, t("action.draftsVisible")),
      reportList(reports, withGoals), reportForm(withGoals)),
  );
}

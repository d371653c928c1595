// One action: what it is, who takes part, its milestones on a timeline, results and progress reports,
// and (with a token) a form to record a progress report.

import { add, clear, h, notice } from "../dom.js";
import { describeErrors, getToken, gql } from "../graphql.js";
import * as fmt from "../format.js";
import {
  leads, loadRecord, nodes, organisationName, overdueBadge, progressBar, recordHeader, statusBadge,
} from "./common.js";

const REPORT = `id subject reportedOn status note state author values { period value }`;
export const QUERY = `query ActionPage($id: ID!) {
  action(id: $id) {
    id number title description aim ambition status progress
    pact { slug name }
    line { number name }
    participants { role organisationKind label organisation { id name } }
    leads { role organisationKind label organisation { id name } }
    milestones { id title dueBy due { label } targetCount reachedCount status metOn overdue }
    results { id description actual progress progressNote indicator { unit targets { period value kind } } }
    progressReports { ${REPORT} }
  }
}`;

export const RECORD = `mutation AddProgressReport($action: ID!, $input: ProgressReportInput!) {
  addProgressReport(action: $action, input: $input) { ${REPORT} }
}`;

// The action statuses a report may propose; the form starts at the action's current one.
const REPORT_STATUSES = ["planned", "in_progress", "delayed", "achieved", "stopped"];

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

function reportItem(report, fresh = false) {
  const values = report.values || [];
  return h("li", { class: fresh ? "fresh" : null, dataset: { report: report.id } },
    h("div", {}, h("strong", {}, fmt.date(report.reportedOn)), report.status ? [" · ", statusBadge(report.status)] : null,
      report.state ? [" · ", fmt.reportState(report.state)] : null,
      report.author ? h("span", { class: "help" }, ` door ${report.author}`) : null),
    report.note ? h("p", {}, report.note) : null,
    values.length ? h("p", { class: "help" },
      values.map((v) => `${fmt.period(v.period)}: ${fmt.number(v.value)}`).join(" · ")) : null);
}

function reportList(reports) {
  const sorted = [...reports].sort((a, b) => String(b.reportedOn).localeCompare(String(a.reportedOn)));
  return h("ol", { class: "reports", id: "reports" }, sorted.map((r) => reportItem(r)));
}

function reportForm(action, list) {
  const today = new Date().toISOString().slice(0, 10);
  const feedback = h("div", { role: "status", "aria-live": "polite" });
  const hasToken = Boolean(getToken());
  const form = h("form", { id: "report-form", novalidate: true },
    h("fieldset", {},
      h("legend", {}, "Voortgang rapporteren"),
      hasToken ? null : notice("Plak eerst een coördinatortoken bij ‘Coördinator’ bovenaan: rapporteren vraagt de rechten actions:write."),
      h("div", { class: "form-grid" },
        h("div", {}, h("label", { for: "report-date" }, "Datum"),
          h("input", { id: "report-date", name: "reportedOn", type: "date", required: true, value: today })),
        h("div", {}, h("label", { for: "report-status" }, "Stand van zaken"),
          h("select", { id: "report-status", name: "status" },
            REPORT_STATUSES.map((s) => h("option", { value: s, selected: s === String(action.status).toLowerCase() },
              fmt.status(s))))),
        h("div", {}, h("label", { for: "report-period" }, "Periode van de meting (optioneel)"),
          h("input", { id: "report-period", name: "period", inputmode: "numeric", placeholder: "2014 of 2014-Q3" })),
        h("div", {}, h("label", { for: "report-value" }, "Gemeten waarde (optioneel)"),
          h("input", { id: "report-value", name: "value", inputmode: "decimal", placeholder: "4" })),
        h("div", { class: "wide" }, h("label", { for: "report-note" }, "Toelichting"),
          h("textarea", { id: "report-note", name: "note", required: true, "aria-describedby": "report-note-help" }),
          h("p", { id: "report-note-help", class: "help" }, "Wat is er bereikt, wat loopt achter?"))),
      h("div", { class: "buttons" }, h("button", { type: "submit", disabled: !hasToken }, "Rapportage opslaan")),
      feedback));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const note = String(fields.get("note") || "").trim();
    const period = String(fields.get("period") || "").trim();
    const rawValue = String(fields.get("value") || "").trim();
    const value = rawValue === "" ? null : Number(rawValue.replace(/\./g, "").replace(",", "."));
    if (!note) {
      clear(feedback).append(notice("Vul een toelichting in.", "error"));
      form.elements.note.focus();
      return;
    }
    if (value !== null && (Number.isNaN(value) || !period)) {
      clear(feedback).append(notice("Een gemeten waarde heeft een getal en een periode nodig.", "error"));
      (Number.isNaN(value) ? form.elements.value : form.elements.period).focus();
      return;
    }
    const input = {
      reportedOn: fields.get("reportedOn"),
      status: fields.get("status"),
      note,
      values: value === null ? [] : [{ period, value }],
    };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { data, errors } = await gql(RECORD, { action: action.id, input });
      const report = data.addProgressReport;
      if (!report) throw new Error(describeErrors(errors) || "Niet opgeslagen.");
      list.prepend(reportItem(report, true));
      form.elements.note.value = "";
      form.elements.value.value = "";
      clear(feedback).append(notice(`Rapportage van ${fmt.date(report.reportedOn)} opgeslagen.`, "ok"));
    } catch (error) {
      clear(feedback).append(notice(`Niet opgeslagen: ${error.message}`, "error"));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

export async function render(view, { id }) {
  const { record: action, errors } = await loadRecord(view, QUERY, { id }, "action",
    { title: "Actie niet gevonden", text: "Deze actie bestaat niet (meer)." });
  if (!action) return;
  const participants = nodes(action.participants);
  const list = reportList(nodes(action.progressReports));
  const pactLink = action.pact
    ? h("a", { href: `#/pact/${encodeURIComponent(action.pact.slug)}` }, action.pact.name) : "pact";
  add(view,
    recordHeader([h("a", { href: "#/" }, "Pacten"), pactLink, `Actie ${action.number}`],
      `Actie ${action.number}: ${action.title}`, errors,
      action.line ? h("li", {}, `Actielijn ${action.line.number}: ${action.line.name}`) : null,
      h("li", {}, "Status: ", statusBadge(action.status)),
      h("li", { class: "lead" }, "Trekker: ", h("strong", {}, leads(action)))),
    progressBar(action.progress, "Voortgang van de actie"),
    section("Wat is het?", "wat", h("p", { class: "prose" }, action.description || fmt.DASH)),
    action.aim ? section("Doel", "doel", h("p", {}, action.aim)) : null,
    section("Ambitie", "ambitie", h("p", {}, action.ambition || fmt.DASH)),
    section("Wie doen mee?", "wie", participants.length
      ? h("ul", { class: "participants" }, participants.map((p) => h("li", {},
        h("strong", {}, fmt.role(p.role)), ": ", organisationName(p))))
      : h("p", {}, "Nog geen deelnemers vastgelegd.")),
    section("Mijlpalen", "mijlpalen", timeline(nodes(action.milestones))),
    section("Resultaten", "resultaten", results(nodes(action.results))),
    section("Voortgangsrapportages", "rapportages",
      getToken() ? null : h("p", { class: "help" }, "Concepten en ingediende rapportages zijn zichtbaar met een coördinatortoken."),
      list, reportForm(action, list)),
  );
}

// The form to draft a progress report, and to submit it at once. It reports on the action itself (a
// status move its state machine allows), on one of its milestones (the count reached, its status), on
// one of its results or on one of its line's goals (a measured value for a period), so every value
// typed counts somewhere once a reviewer approves it.

import { clear, h, notice } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import * as fmt from "../format.js";
import { mutate, REPORT, reload } from "./reports.js";

const ADD = `mutation AddProgressReport($action: ID!, $input: ProgressReportInput!) {
  addProgressReport(action: $action, input: $input) { ${REPORT} }
}`;
const ADD_GOAL = `mutation AddGoalProgressReport($goal: ID!, $input: GoalReportInput!) {
  addGoalProgressReport(goal: $goal, input: $input) { ${REPORT} }
}`;
const SUBMIT = `mutation SubmitNewReport($id: ID!) { submitProgressReport(id: $id) { ${REPORT} } }`;
const MILESTONE_STATUSES = ["open", "met", "dropped"];

function field(id, label, control, help = null) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control,
    help ? h("p", { id: `${id}-help`, class: "help" }, help) : null);
}

function subjects(action) {
  return [
    { value: "action", label: "De actie zelf" },
    ...(action.milestones || []).map((m) => ({ value: `milestone:${m.id}`, label: `Mijlpaal: ${m.title}`, milestone: m })),
    ...(action.results || []).map((r) => ({ value: `result:${r.id}`, label: `Resultaat: ${r.description}`, result: r })),
    ...(action.goals || []).map((g) => ({ value: `goal:${g.id}`, label: `Doel: ${g.name}`, goal: g })),
  ];
}

function statusSelect(id, current, moves) {
  return h("select", { id, name: "status" },
    h("option", { value: "" }, `Ongewijzigd (${fmt.status(current)})`),
    moves.map((s) => h("option", { value: s }, fmt.status(s))));
}

/** The fields for what the report is about; only they are read when it is saved. */
function subjectFields(choice, action) {
  if (choice.milestone) {
    const m = choice.milestone;
    return [
      field("report-count", m.targetCount != null ? `Bereikt aantal (van ${fmt.number(m.targetCount)})` : "Bereikt aantal",
        h("input", { id: "report-count", name: "count", inputmode: "numeric", value: String(m.reachedCount ?? "") })),
      field("report-milestone-status", "Status van de mijlpaal",
        statusSelect("report-milestone-status", m.status, MILESTONE_STATUSES.filter((s) => s !== m.status))),
    ];
  }
  const measured = choice.result || choice.goal;
  if (measured) {
    const unit = choice.result ? choice.result.indicator?.unit : choice.goal.unit;
    return [
      field("report-period", "Periode van de meting", h("input", { id: "report-period", name: "period",
        placeholder: "2014 of 2014-Q3", "aria-describedby": "report-period-help" }), "Een jaar, kwartaal of maand."),
      field("report-value", `Gemeten waarde${unit ? ` (${unit})` : ""}`,
        h("input", { id: "report-value", name: "value", inputmode: "decimal" })),
    ];
  }
  const moves = action.allowedStatuses || [];
  return [field("report-status", "Nieuwe status van de actie", statusSelect("report-status", action.status, moves),
    moves.length ? `Vanuit ${fmt.status(action.status).toLowerCase()} kan de actie naar: ${moves.map((s) => fmt.status(s).toLowerCase()).join(", ")}.`
      : "De actie kan vanuit deze status nergens heen.")];
}

/** The report's input from the form, or an error naming the field to fix. */
function readInput(form, choice) {
  const fields = new FormData(form);
  const note = String(fields.get("note") || "").trim();
  if (!note) return { error: "Vul een toelichting in.", focus: "note" };
  const input = { reportedOn: fields.get("reportedOn"), note };
  const status = String(fields.get("status") || "");
  if (status) input.status = status;
  if (choice.milestone) {
    input.subject = "milestone";
    input.subjectId = choice.milestone.id;
    const raw = String(fields.get("count") || "").trim();
    if (raw) {
      const count = fmt.parseNumber(raw);
      if (count === null || !Number.isInteger(count) || count < 0) return { error: "Het bereikte aantal is een heel getal.", focus: "count" };
      input.values = [{ period: String(input.reportedOn).slice(0, 4), value: count }];
    }
  } else if (choice.result || choice.goal) {
    if (choice.result) {
      input.subject = "result";
      input.subjectId = choice.result.id;
    }
    const period = String(fields.get("period") || "").trim();
    const value = fmt.parseNumber(fields.get("value"));
    if (value === null) return { error: "Vul de gemeten waarde in als getal.", focus: "value" };
    if (!period) return { error: "Een gemeten waarde hoort bij een periode.", focus: "period" };
    input.values = [{ period, value }];
  } else {
    input.subject = "action";
  }
  return { input };
}

export function reportForm(action) {
  const me = currentPrincipal();
  const canWrite = Boolean(me?.scopes.has("actions:write"));
  const choices = subjects(action);
  const feedback = h("div", { role: "status", "aria-live": "polite" });
  const specific = h("div", { class: "form-grid subject-fields" });
  const subject = h("select", { id: "report-subject", name: "subject" },
    choices.map((c) => h("option", { value: c.value }, c.label)));
  const current = () => choices.find((c) => c.value === subject.value) || choices[0];
  const showFields = () => clear(specific).append(...subjectFields(current(), action));
  subject.addEventListener("change", showFields);
  showFields();

  const draft = h("button", { type: "submit", name: "then", value: "draft", disabled: !canWrite }, "Rapportage opslaan");
  const submit = h("button", { type: "submit", name: "then", value: "submit", class: "secondary", disabled: !canWrite },
    "Opslaan en indienen");
  const form = h("form", { id: "report-form", novalidate: true },
    h("fieldset", {},
      h("legend", {}, "Voortgang rapporteren"),
      canWrite ? null : notice("Meld je aan als trekker of coördinator: rapporteren vraagt de rechten actions:write."),
      h("div", { class: "form-grid" },
        field("report-subject", "Waarover?", subject),
        field("report-date", "Datum", h("input", { id: "report-date", name: "reportedOn", type: "date", required: true,
          value: new Date().toISOString().slice(0, 10) }))),
      specific,
      h("div", { class: "wide" }, field("report-note", "Toelichting", h("textarea", { id: "report-note", name: "note",
        required: true, "aria-describedby": "report-note-help" }), "Wat is er bereikt, wat loopt achter?")),
      h("p", { class: "help" }, "Een rapportage telt mee zodra een beoordelaar hem goedkeurt."),
      h("div", { class: "buttons" }, draft, submit),
      feedback));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const then = event.submitter?.value || "draft";
    const { input, error, focus } = readInput(form, current());
    if (error) {
      clear(feedback).append(notice(error, "error"));
      form.elements[focus]?.focus();
      return;
    }
    draft.disabled = submit.disabled = true;
    try {
      const report = current().goal
        ? await mutate(ADD_GOAL, { goal: current().goal.id, input })
        : await mutate(ADD, { action: action.id, input });
      if (then === "submit") await mutate(SUBMIT, { id: report.id });
      reload(then === "submit" ? `Rapportage van ${fmt.date(report.reportedOn)} opgeslagen en ingediend.`
        : `Rapportage van ${fmt.date(report.reportedOn)} opgeslagen als concept.`);
    } catch (failure) {
      clear(feedback).append(notice(`Niet opgeslagen: ${failure.message}`, "error"));
      draft.disabled = submit.disabled = false;
    }
  });
  return form;
}

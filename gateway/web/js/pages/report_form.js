// The form to draft a progress report, and to submit it at once. It reports on the action itself (a
// status move its state machine allows), on one of its milestones (the count reached, its status), on
// one of its results or on one of its line's goals (a measured value for a period), so every value
// typed counts somewhere once a reviewer approves it.

import { clear, h, notice } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
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
    { value: "action", label: t("form.actionItself") },
    ...(action.milestones || []).map((m) => ({ value: `milestone:${m.id}`, label: t("reports.onMilestone", { name: m.title }), milestone: m })),
    ...(action.results || []).map((r) => ({ value: `result:${r.id}`, label: t("reports.onResult", { name: r.description }), result: r })),
    ...(action.goals || []).map((g) => ({ value: `goal:${g.id}`, label: t("reports.onGoal", { name: g.name }), goal: g })),
  ];
}

function statusSelect(id, current, moves) {
  return h("select", { id, name: "status" },
    h("option", { value: "" }, t("form.unchanged", { status: fmt.status(current) })),
    moves.map((s) => h("option", { value: s }, fmt.status(s))));
}

/** The fields for what the report is about; only they are read when it is saved. */
function subjectFields(choice, action) {
  if (choice.milestone) {
    const m = choice.milestone;
    return [
      field("report-count", m.targetCount != null ? t("form.reachedCountOf", { target: fmt.number(m.targetCount) }) : t("reports.reachedCount"),
        h("input", { id: "report-count", name: "count", inputmode: "numeric", value: String(m.reachedCount ?? "") })),
      field("report-milestone-status", t("form.milestoneStatus"),
        statusSelect("report-milestone-status", m.status, MILESTONE_STATUSES.filter((s) => s !== m.status))),
    ];
  }
  const measured = choice.result || choice.goal;
  if (measured) {
    const unit = choice.result ? choice.result.indicator?.unit : choice.goal.unit;
    return [
      field("report-period", t("form.period"), h("input", { id: "report-period", name: "period",
        placeholder: t("form.periodPlaceholder"), "aria-describedby": "report-period-help" }), t("form.periodHelp")),
      field("report-value", unit ? t("form.valueIn", { unit }) : t("form.value"),
        h("input", { id: "report-value", name: "value", inputmode: "decimal" })),
    ];
  }
  const moves = action.allowedStatuses || [];
  return [field("report-status", t("form.newStatus"), statusSelect("report-status", action.status, moves),
    moves.length ? t("form.moves", { from: fmt.status(action.status).toLowerCase(),
      to: moves.map((s) => fmt.status(s).toLowerCase()).join(", ") })
      : t("form.noMoves"))];
}

/** The report's input from the form, or an error naming the field to fix. */
function readInput(form, choice) {
  const fields = new FormData(form);
  const note = String(fields.get("note") || "").trim();
  if (!note) return { error: t("form.needsNote"), focus: "note" };
  const input = { reportedOn: fields.get("reportedOn"), note };
  const status = String(fields.get("status") || "");
  if (status) input.status = status;
  if (choice.milestone) {
    input.subject = "milestone";
    input.subjectId = choice.milestone.id;
    const raw = String(fields.get("count") || "").trim();
    if (raw) {
      const count = fmt.parseNumber(raw);
      if (count === null || !Number.isInteger(count) || count < 0) return { error: t("form.countWhole"), focus: "count" };
      input.values = [{ period: String(input.reportedOn).slice(0, 4), value: count }];
    }
  } else if (choice.result || choice.goal) {
    if (choice.result) {
      input.subject = "result";
      input.subjectId = choice.result.id;
    }
    const period = String(fields.get("period") || "").trim();
    const value = fmt.parseNumber(fields.get("value"));
    if (value === null) return { error: t("form.valueNumber"), focus: "value" };
    if (!period) return { error: t("form.valueNeedsPeriod"), focus: "period" };
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

  const draft = h("button", { type: "submit", name: "then", value: "draft", disabled: !canWrite }, t("form.save"));
  const submit = h("button", { type: "submit", name: "then", value: "submit", class: "secondary", disabled: !canWrite },
    t("form.saveAndSubmit"));
  const form = h("form", { id: "report-form", novalidate: true },
    h("fieldset", {},
      h("legend", {}, t("form.legend")),
      canWrite ? null : notice(t("form.signIn")),
      h("div", { class: "form-grid" },
        field("report-subject", t("form.subject"), subject),
        field("report-date", t("form.date"), h("input", { id: "report-date", name: "reportedOn", type: "date", required: true,
          value: new Date().toISOString().slice(0, 10) }))),
      specific,
      h("div", { class: "wide" }, field("report-note", t("reports.note"), h("textarea", { id: "report-note", name: "note",
        required: true, "aria-describedby": "report-note-help" }), t("form.noteHelp"))),
      h("p", { class: "help" }, t("form.counts")),
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
      reload(t(then === "submit" ? "form.savedSubmitted" : "form.savedDraft", { date: fmt.date(report.reportedOn) }));
    } catch (failure) {
      clear(feedback).append(notice(t("common.notSaved", { reason: failure.message }), "error"));
      draft.disabled = submit.disabled = false;
    }
  });
  return form;
}

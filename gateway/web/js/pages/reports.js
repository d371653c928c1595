// Progress reports as results frameworks run them (Akvo RSR): drafted, submitted, then approved by a
// reviewer (they start to count) or returned with a note for revision. Each report shows its author,
// its reviewer, the review note and the dates; the buttons are those the reader may use on it.

import { add, clear, h, notice } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import { describeErrors, gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { statusBadge } from "./common.js";

export const REPORT = `id subject subjectId reportedOn status note state author reviewedBy reviewNote
  submittedAt reviewedAt version values { period value }`;

const SUBMIT = `mutation SubmitReport($id: ID!) { submitProgressReport(id: $id) { ${REPORT} } }`;
const APPROVE = `mutation ApproveReport($id: ID!, $note: String) { approveProgressReport(id: $id, note: $note) { ${REPORT} } }`;
const RETURN = `mutation ReturnReport($id: ID!, $note: String) { returnProgressReport(id: $id, note: $note) { ${REPORT} } }`;
const REVISE = `mutation ReviseReport($id: ID!, $version: Int!, $input: ProgressReportPatch!) {
  updateProgressReport(id: $id, version: $version, input: $input) { ${REPORT} }
}`;

const when = fmt.moment;

/** Runs a mutation and returns its one field, or throws with the platform's reasons in the reader's language. */
export async function mutate(query, variables) {
  const { data, errors } = await gql(query, variables);
  const [answer] = Object.values(data || {});
  if (!answer) throw new Error(describeErrors(errors) || t("reports.failedPlain"));
  return answer;
}

/** After a change the page loads again, so counts, progress and status show what the change did. */
export function reload(message) {
  document.getElementById("status").textContent = message;
  window.dispatchEvent(new CustomEvent("data-changed"));
}

/** What a report is about, in words: the action itself, one of its milestones or results. */
export function subjectLabel(report, action) {
  if (report.subject === "milestone") {
    const milestone = (action.milestones || []).find((m) => m.id === report.subjectId);
    return t("reports.onMilestone", { name: milestone ? milestone.title : t("reports.unknown") });
  }
  if (report.subject === "result") {
    const result = (action.results || []).find((r) => r.id === report.subjectId);
    return t("reports.onResult", { name: result ? result.description : t("reports.unknown") });
  }
  if (report.subject === "goal") {
    const goal = (action.goals || []).find((g) => g.id === report.subjectId);
    return t("reports.onGoal", { name: goal ? goal.name : t("reports.unknown") });
  }
  return t("reports.onAction");
}

function valuesText(report, action) {
  const values = report.values || [];
  if (!values.length) return null;
  if (report.subject === "milestone") {
    const milestone = (action.milestones || []).find((m) => m.id === report.subjectId);
    const count = fmt.number(values[values.length - 1].value);
    return milestone?.targetCount != null
      ? t("reports.reachedOf", { count, target: fmt.number(milestone.targetCount) }) : t("reports.reached", { count });
  }
  return t("action.measured", { value: values.map((v) => `${fmt.period(v.period)}: ${fmt.number(v.value)}`).join(" · ") });
}

function stamp(report) {
  if (report.state !== "approved" && report.state !== "returned") return null;
  return h("p", { class: `stamp ${report.state}` },
    h("strong", {}, t(report.state === "approved" ? "reports.approvedBy" : "reports.returnedBy",
      { name: report.reviewedBy || t("reports.unknown") })), ` ${t("reports.on", { when: when(report.reviewedAt) })}`,
    report.reviewNote ? [": ", h("q", {}, report.reviewNote)] : null);
}

function feedbackBox() {
  return h("div", { class: "feedback", role: "status", "aria-live": "polite" });
}

/** Runs a button's work with the button disabled; a failure is said in `feedback` and the button is enabled again. */
export async function attempt(button, feedback, work) {
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    clear(feedback).append(notice(t("reports.failed", { reason: error.message }), "error"));
    button.disabled = false;
  }
}

function reviewControls(report, me) {
  const feedback = feedbackBox();
  const own = me.subject === report.author;
  const noteId = `review-note-${report.id}`;
  const approve = h("button", { type: "button", disabled: own }, t("reports.approve"));
  const send = h("button", { type: "button", class: "secondary", disabled: own }, t("reports.return"));
  const note = h("textarea", { id: noteId, rows: "2", disabled: own });
  approve.addEventListener("click", () => attempt(approve, feedback, async () => {
    await mutate(APPROVE, { id: report.id, note: note.value.trim() || null });
    reload(t("reports.approved"));
  }));
  send.addEventListener("click", () => attempt(send, feedback, async () => {
    if (!note.value.trim()) throw new Error(t("reports.returnNeedsNote"));
    await mutate(RETURN, { id: report.id, note: note.value.trim() });
    reload(t("reports.returned"));
  }));
  return h("div", { class: "review" },
    own ? notice(t("reports.ownReport")) : null,
    h("label", { for: noteId }, t("reports.reviewNote")), note,
    h("div", { class: "buttons" }, approve, send), feedback);
}

function reviseForm(report, action) {
  const feedback = feedbackBox();
  const noteId = `revise-note-${report.id}`;
  const note = h("textarea", { id: noteId, rows: "3" }, report.note || "");
  const values = report.values || [];
  const last = values[values.length - 1];
  const valueId = `revise-value-${report.id}`;
  const value = values.length ? h("input", { id: valueId, inputmode: "decimal", value: String(last.value) }) : null;
  const resubmit = h("button", { type: "button" }, t("reports.resubmit"));
  resubmit.addEventListener("click", () => attempt(resubmit, feedback, async () => {
    const input = { note: note.value.trim() };
    if (value) {
      const parsed = fmt.parseNumber(value.value);
      if (parsed === null) throw new Error(t("reports.needsNumber"));
      input.values = [...values.slice(0, -1), { period: last.period, value: parsed }];
    }
    const revised = await mutate(REVISE, { id: report.id, version: report.version, input });
    await mutate(SUBMIT, { id: revised.id });
    reload(t("reports.resubmitted"));
  }));
  return h("details", { class: "revise" }, h("summary", {}, t("reports.revise")),
    h("label", { for: noteId }, t("reports.note")), note,
    value ? [h("label", { for: valueId }, report.subject === "milestone" ? t("reports.reachedCount")
      : t("reports.valueFor", { period: fmt.period(last.period) })), value]
      : null,
    h("div", { class: "buttons" }, resubmit), feedback, h("p", { class: "help" }, subjectLabel(report, action)));
}

function authorControls(report, action) {
  if (report.state === "returned") return reviseForm(report, action);
  const feedback = feedbackBox();
  const submit = h("button", { type: "button" }, t("reports.submit"));
  submit.addEventListener("click", () => attempt(submit, feedback, async () => {
    await mutate(SUBMIT, { id: report.id });
    reload(t("reports.submitted"));
  }));
  return h("div", { class: "buttons" }, submit, feedback);
}

function controls(report, action) {
  const me = currentPrincipal();
  if (!me) return null;
  if (report.state === "submitted" && me.scopes.has("actions:approve")) return reviewControls(report, me);
  const mine = me.subject === report.author;
  if ((report.state === "draft" || report.state === "returned") && mine && me.scopes.has("actions:write")) {
    return authorControls(report, action);
  }
  return null;
}

/** One report: when, what about, its state, what it proposes and measured, who wrote and who reviewed it. */
export function reportItem(report, action, { fresh = false, heading = null } = {}) {
  return h("li", { class: ["report", `state-${report.state}`, fresh ? "fresh" : null].filter(Boolean).join(" "),
    dataset: { report: report.id } },
  heading,
  h("div", {}, h("strong", {}, fmt.date(report.reportedOn)), " · ", h("span", { class: "state" }, fmt.reportState(report.state)),
    " · ", subjectLabel(report, action)),
  report.status ? h("p", {}, t("reports.proposal"), " ", statusBadge(report.status)) : null,
  valuesText(report, action) ? h("p", { class: "values" }, valuesText(report, action)) : null,
  report.note ? h("p", { class: "note" }, report.note) : null,
  h("p", { class: "help byline" }, t("reports.by", { name: report.author || t("reports.unknown") }),
    report.submittedAt ? t("reports.submittedOn", { when: when(report.submittedAt) }) : null),
  stamp(report),
  controls(report, action));
}

export function reportList(reports, action) {
  if (!reports.length) return h("p", { id: "reports" }, t("reports.none"));
  const sorted = [...reports].sort((a, b) => String(b.reportedOn).localeCompare(String(a.reportedOn))
    || String(b.submittedAt || "").localeCompare(String(a.submittedAt || "")));
  return add(h("ol", { class: "reports", id: "reports" }), sorted.map((report) => reportItem(report, action)));
}

// Editing an action (its title and texts, its status through the moves its state machine allows)
// and its milestones (title, the due moment as the plan writes it, the counts), each with the version
// read (pages/versioned_edit.js), so a conflict is shown instead of overwritten.

import { h } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { mutate, reload } from "./reports.js";
import { participantsEditor } from "./participants_edit.js";
import { versionedEditor } from "./versioned_edit.js";

const ACTION = `id version status title description aim ambition`;
const MILESTONE = `id version title due { label } targetCount reachedCount`;
const UPDATE_ACTION = `mutation UpdateAction($id: ID!, $version: Int!, $input: ActionPatch!) {
  updateAction(id: $id, version: $version, input: $input) { ${ACTION} }
}`;
const SET_STATUS = `mutation SetActionStatus($id: ID!, $status: String!) { setActionStatus(id: $id, status: $status) { ${ACTION} } }`;
const UPDATE_MILESTONE = `mutation UpdateMilestone($id: ID!, $version: Int!, $input: MilestonePatch!) {
  updateMilestone(id: $id, version: $version, input: $input) { ${MILESTONE} }
}`;
const CURRENT = `query CurrentAction($id: ID!) { action(id: $id) { ${ACTION} milestones { ${MILESTONE} } } }`;

const text = (name) => (record) => record[name] || "";
const optional = (value) => value || null;

function required(label) {
  return (value) => {
    if (!value) throw new Error(t("edit.required", { label }));
    return value;
  };
}

function count(label) {
  return (value) => {
    if (!value) return null;
    const parsed = fmt.parseNumber(value);
    if (parsed === null || !Number.isInteger(parsed) || parsed < 0) throw new Error(t("edit.count", { label }));
    return parsed;
  };
}

async function currentAction(id) {
  return (await gql(CURRENT, { id })).data.action;
}

function actionEditor(action) {
  const moves = action.allowedStatuses || [];
  const status = h("select", { id: "edit-action-status", name: "status" },
    h("option", { value: "" }, t("form.unchanged", { status: fmt.status(action.status) })),
    moves.map((s) => h("option", { value: s }, fmt.status(s))));
  return versionedEditor({
    id: "action-edit",
    summary: t("edit.action"),
    record: action,
    fields: [
      { name: "title", label: t("edit.title"), read: text("title"), write: required(t("edit.title")) },
      { name: "description", label: t("action.what"), multiline: true, read: text("description"), write: optional },
      { name: "aim", label: t("action.aim"), multiline: true, read: text("aim"), write: optional },
      { name: "ambition", label: t("action.ambition"), multiline: true, read: text("ambition"), write: optional },
    ],
    extra: [h("div", {}, h("label", { for: "edit-action-status" }, t("pact.status")), status)],
    extraChanged: () => Boolean(status.value),
    current: () => currentAction(action.id),
    save: async (version, changes) => {
      if (Object.keys(changes).length) await mutate(UPDATE_ACTION, { id: action.id, version, input: changes });
      if (status.value) await mutate(SET_STATUS, { id: action.id, status: status.value });
      reload(t("edit.actionSaved"));
    },
  });
}

function milestoneEditor(action, milestone, index) {
  return versionedEditor({
    id: `milestone-edit-${index}`,
    summary: t("edit.milestone", { title: milestone.title }),
    record: milestone,
    fields: [
      { name: "title", label: t("followup.milestone"), read: text("title"), write: required(t("followup.milestone")) },
      { name: "due", label: t("edit.due"),
        read: (m) => m.due?.label || "", write: (value) => ({ text: required(t("followup.deadline"))(value) }) },
      { name: "targetCount", label: t("edit.targetCount"), inputmode: "numeric", read: (m) => m.targetCount ?? "",
        write: count(t("edit.targetCount")) },
      { name: "reachedCount", label: t("reports.reachedCount"), inputmode: "numeric", read: (m) => m.reachedCount ?? "",
        write: count(t("reports.reachedCount")) },
    ],
    current: async () => (await currentAction(action.id)).milestones.find((m) => m.id === milestone.id),
    save: async (version, changes) => {
      await mutate(UPDATE_MILESTONE, { id: milestone.id, version, input: changes });
      reload(t("edit.milestoneSaved"));
    },
  });
}

/** The editors a coordinator or trekker gets on an action's page; nothing for anyone else. */
export function actionEditors(action) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return { action: null, milestones: null, participants: null };
  const milestones = (action.milestones || []).map((m, i) => milestoneEditor(action, m, i));
  return { action: actionEditor(action), participants: participantsEditor(action),
    milestones: milestones.length ? h("div", { class: "milestone-edits" }, milestones) : null };
}

// Editing who takes part in an action: trekkers, participants and coordination, each a registered
// organisation (found by name) or a kind of organisation in the plan's words. The whole list is sent
// with the action's version; when another coordinator saved first, both lists are shown.

import { add, clear, h, notice } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { mutate, reload } from "./reports.js";

const ROLES = ["lead", "participant", "coordination"];
const SAVE = `mutation SaveParticipants($id: ID!, $version: Int!, $input: ActionPatch!) {
  updateAction(id: $id, version: $version, input: $input) { id version }
}`;
const CURRENT = `query CurrentParticipants($id: ID!) {
  action(id: $id) { version participants { role organisationKind label organisation { id name } } }
}`;
const FIND = `query FindOrganisation($search: String!) { organisations(search: $search, first: 8) { nodes { id name } } }`;

function who(p) {
  return p.organisation ? p.organisation.name : t("participants.aKind", { name: p.label || fmt.kind(p.organisationKind) });
}

function asInput(p) {
  return p.organisation ? { role: p.role, organisationId: p.organisation.id }
    : { role: p.role, organisationKind: p.organisationKind, ...(p.label ? { label: p.label } : {}) };
}

function roleSelect(id, current) {
  return h("select", { id }, ROLES.map((r) => h("option", { value: r, selected: r === current }, fmt.role(r))));
}

export function participantsEditor(action) {
  let list = (action.participants || []).map((p) => ({ ...p, role: String(p.role).toLowerCase() }));
  const feedback = h("div", { class: "feedback", "aria-live": "polite" });
  const rows = h("ul", { class: "participant-edits" });

  function draw() {
    clear(rows).append(...list.map((p, i) => {
      const select = roleSelect(`participant-role-${i}`, p.role);
      select.addEventListener("change", () => { p.role = select.value; });
      const remove = h("button", { type: "button", class: "secondary" }, t("participants.remove"));
      remove.addEventListener("click", () => { list.splice(i, 1); draw(); });
      return h("li", {}, h("label", { for: `participant-role-${i}`, class: "inline" }, who(p)), select, remove);
    }));
  }
  draw();

  const addRole = roleSelect("participant-new-role", "participant");
  const search = h("input", { id: "participant-search", type: "search" });
  const found = h("div", { class: "matches" });
  const find = h("button", { type: "button", class: "secondary" }, t("participants.find"));
  find.addEventListener("click", async () => {
    const { data } = await gql(FIND, { search: search.value.trim() });
    const options = data.organisations?.nodes || [];
    clear(found).append(...(options.length ? options.map((org) => {
      const choose = h("button", { type: "button", class: "secondary" }, t("participants.addOrganisation", { name: org.name }));
      choose.addEventListener("click", () => {
        list.push({ role: addRole.value, organisation: org });
        clear(found);
        draw();
      });
      return choose;
    }) : [h("p", { class: "help" }, t("participants.noMatch"))]));
  });
  const kind = h("select", { id: "participant-kind" }, fmt.ORGANISATION_KINDS.map((code) =>
    h("option", { value: code }, fmt.kind(code))));
  const words = h("input", { id: "participant-words", placeholder: t("participants.wordsExample") });
  const addKind = h("button", { type: "button", class: "secondary" }, t("participants.addKind"));
  addKind.addEventListener("click", () => {
    list.push({ role: addRole.value, organisationKind: kind.value, label: words.value.trim() || null });
    words.value = "";
    draw();
  });

  async function save(version) {
    await mutate(SAVE, { id: action.id, version, input: { participants: list.map(asInput) } });
    reload(t("participants.saved"));
  }
  const store = h("button", { type: "button" }, t("participants.save"));
  store.addEventListener("click", async () => {
    store.disabled = true;
    try {
      await save(action.version);
    } catch (error) {
      store.disabled = false;
      if (!(error.errors || []).some((e) => e.extensions?.code === "PRECONDITION_FAILED")) {
        clear(feedback).append(notice(t("common.notSaved", { reason: error.message }), "error"));
        return;
      }
      const now = (await gql(CURRENT, { id: action.id })).data.action;
      const overwrite = h("button", { type: "button" }, t("participants.overwrite"));
      overwrite.addEventListener("click", () => save(now.version).catch((again) =>
        clear(feedback).append(notice(t("common.notSaved", { reason: again.message }), "error"))));
      const side = (title, people) => h("div", {}, h("h4", {}, title),
        h("ul", {}, people.map((p) => h("li", {}, `${fmt.role(String(p.role).toLowerCase())}: ${who(p)}`))));
      clear(feedback).append(h("div", { class: "conflict", role: "alert" },
        h("p", {}, h("strong", {}, t("edit.conflict")), " ", t("participants.compare")),
        h("div", { class: "columns-2" }, side(t("participants.yours"), list), side(t("edit.stored"), now.participants || [])),
        h("div", { class: "buttons" }, overwrite)));
    }
  });

  return add(h("details", { class: "edit-record" }, h("summary", {}, t("participants.edit"))),
    rows,
    h("fieldset", {}, h("legend", {}, t("participants.add")),
      h("div", { class: "form-grid" },
        h("div", {}, h("label", { for: "participant-new-role" }, t("partner.role")), addRole),
        h("div", {}, h("label", { for: "participant-search" }, t("participants.fromRegistry")), search, find, found),
        h("div", {}, h("label", { for: "participant-kind" }, t("participants.orKind")), kind,
          h("label", { for: "participant-words" }, t("participants.words")), words, addKind))),
    h("div", { class: "buttons" }, store), feedback);
}

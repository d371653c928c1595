// Editing who takes part in an action: trekkers, participants and coordination, each a registered
// organisation (found by name) or a kind of organisation in the plan's words. The whole list is sent
// with the action's version; when another coordinator saved first, both lists are shown.

import { add, clear, h, notice } from "../dom.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
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
  return p.organisation ? p.organisation.name : `${p.label || fmt.kind(p.organisationKind)} (soort organisatie)`;
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
      const remove = h("button", { type: "button", class: "secondary" }, "Verwijderen");
      remove.addEventListener("click", () => { list.splice(i, 1); draw(); });
      return h("li", {}, h("label", { for: `participant-role-${i}`, class: "inline" }, who(p)), select, remove);
    }));
  }
  draw();

  const addRole = roleSelect("participant-new-role", "participant");
  const search = h("input", { id: "participant-search", type: "search" });
  const found = h("div", { class: "matches" });
  const find = h("button", { type: "button", class: "secondary" }, "Zoek organisatie");
  find.addEventListener("click", async () => {
    const { data } = await gql(FIND, { search: search.value.trim() });
    const options = data.organisations?.nodes || [];
    clear(found).append(...(options.length ? options.map((org) => {
      const choose = h("button", { type: "button", class: "secondary" }, `${org.name} toevoegen`);
      choose.addEventListener("click", () => {
        list.push({ role: addRole.value, organisation: org });
        clear(found);
        draw();
      });
      return choose;
    }) : [h("p", { class: "help" }, "Geen organisatie met die naam.")]));
  });
  const kind = h("select", { id: "participant-kind" }, Object.entries(fmt.ORGANISATION_KINDS).map(([code, label]) =>
    h("option", { value: code }, label)));
  const words = h("input", { id: "participant-words", placeholder: "bijv. regionale bedrijven" });
  const addKind = h("button", { type: "button", class: "secondary" }, "Soort toevoegen");
  addKind.addEventListener("click", () => {
    list.push({ role: addRole.value, organisationKind: kind.value, label: words.value.trim() || null });
    words.value = "";
    draw();
  });

  async function save(version) {
    await mutate(SAVE, { id: action.id, version, input: { participants: list.map(asInput) } });
    reload("Trekkers en deelnemers zijn opgeslagen.");
  }
  const store = h("button", { type: "button" }, "Trekkers en deelnemers opslaan");
  store.addEventListener("click", async () => {
    store.disabled = true;
    try {
      await save(action.version);
    } catch (error) {
      store.disabled = false;
      if (!(error.errors || []).some((e) => e.extensions?.code === "PRECONDITION_FAILED")) {
        clear(feedback).append(notice(`Niet opgeslagen: ${error.message}`, "error"));
        return;
      }
      const now = (await gql(CURRENT, { id: action.id })).data.action;
      const overwrite = h("button", { type: "button" }, "Mijn lijst opslaan op de nieuwe versie");
      overwrite.addEventListener("click", () => save(now.version).catch((again) =>
        clear(feedback).append(notice(`Niet opgeslagen: ${again.message}`, "error"))));
      const side = (title, people) => h("div", {}, h("h4", {}, title),
        h("ul", {}, people.map((p) => h("li", {}, `${fmt.role(String(p.role).toLowerCase())}: ${who(p)}`))));
      clear(feedback).append(h("div", { class: "conflict", role: "alert" },
        h("p", {}, h("strong", {}, "Iemand anders heeft dit intussen opgeslagen."), " Vergelijk de lijsten:"),
        h("div", { class: "columns-2" }, side("Jouw lijst", list), side("Nu opgeslagen", now.participants || [])),
        h("div", { class: "buttons" }, overwrite)));
    }
  });

  return add(h("details", { class: "edit-record" }, h("summary", {}, "Trekkers en deelnemers bewerken")),
    rows,
    h("fieldset", {}, h("legend", {}, "Toevoegen"),
      h("div", { class: "form-grid" },
        h("div", {}, h("label", { for: "participant-new-role" }, "Rol"), addRole),
        h("div", {}, h("label", { for: "participant-search" }, "Organisatie uit het register"), search, find, found),
        h("div", {}, h("label", { for: "participant-kind" }, "Of een soort organisatie"), kind,
          h("label", { for: "participant-words" }, "zoals het plan het zegt"), words, addKind))),
    h("div", { class: "buttons" }, store), feedback);
}

// Editing an action: its title and texts, and its status through the moves its state machine allows.
// A change carries the version read (the ETag, If-Match): when another coordinator saved first, the
// page shows both versions, field by field, and saves again only on purpose, never silently over theirs.

import { clear, h, notice, table } from "../dom.js";
import { currentPrincipal } from "../auth.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { mutate, reload } from "./reports.js";

const FIELDS = [
  { name: "title", label: "Titel", multiline: false },
  { name: "description", label: "Wat is het?", multiline: true },
  { name: "aim", label: "Doel", multiline: true },
  { name: "ambition", label: "Ambitie", multiline: true },
];
const EDITED = `id version status title description aim ambition`;
const UPDATE = `mutation UpdateAction($id: ID!, $version: Int!, $input: ActionPatch!) {
  updateAction(id: $id, version: $version, input: $input) { ${EDITED} }
}`;
const SET_STATUS = `mutation SetActionStatus($id: ID!, $status: String!) { setActionStatus(id: $id, status: $status) { ${EDITED} } }`;
const CURRENT = `query CurrentAction($id: ID!) { action(id: $id) { ${EDITED} } }`;

function stale(error) {
  return (error.errors || []).some((e) => e.extensions?.code === "PRECONDITION_FAILED");
}

function shown(value) {
  return value ? String(value) : fmt.DASH;
}

/** The fields this reader changed, against the version they started from. */
function changes(form, base) {
  const changed = {};
  for (const { name } of FIELDS) {
    const value = String(form.elements[name].value).trim();
    if (value !== String(base[name] ?? "").trim()) changed[name] = name === "title" ? value : value || null;
  }
  return changed;
}

function conflictBox(base, current, mine, onOverwrite) {
  const rows = FIELDS.filter(({ name }) => name in mine || String(current[name] ?? "") !== String(base[name] ?? ""))
    .map(({ name, label }) => h("tr", {}, h("th", { scope: "row" }, label),
      h("td", {}, name in mine ? shown(mine[name]) : h("span", { class: "help" }, "niet gewijzigd")),
      h("td", {}, shown(current[name]))));
  const overwrite = h("button", { type: "button" }, "Mijn wijzigingen toepassen op de nieuwe versie");
  const keep = h("button", { type: "button", class: "secondary" }, "Nieuwe versie houden");
  overwrite.addEventListener("click", () => onOverwrite(overwrite));
  keep.addEventListener("click", () => reload("Je wijzigingen zijn niet opgeslagen; de nieuwe versie blijft."));
  return h("div", { class: "conflict", role: "alert" },
    h("p", {}, h("strong", {}, "Iemand anders heeft deze actie intussen opgeslagen."),
      " Je wijzigingen zijn nog niet opgeslagen. Vergelijk de versies:"),
    table(null, ["Veld", "Jouw versie", "Nu opgeslagen"], rows, { label: "De twee versies van de actie", stack: true }),
    h("div", { class: "buttons" }, overwrite, keep));
}

export function actionEditor(action) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return null;
  const base = { ...action };
  const feedback = h("div", { class: "feedback", "aria-live": "polite" });
  const controls = FIELDS.map(({ name, label, multiline }) => {
    const id = `edit-${name}`;
    const control = multiline ? h("textarea", { id, name, rows: "4" }, action[name] || "")
      : h("input", { id, name, value: action[name] || "", required: true, class: "wide-input" });
    return h("div", { class: "wide" }, h("label", { for: id }, label), control);
  });
  const moves = action.allowedStatuses || [];
  const status = h("select", { id: "edit-status", name: "status" },
    h("option", { value: "" }, `Ongewijzigd (${fmt.status(action.status)})`),
    moves.map((s) => h("option", { value: s }, fmt.status(s))));
  const save = h("button", { type: "submit" }, "Wijzigingen opslaan");
  const form = h("form", { id: "action-edit", novalidate: true },
    h("div", { class: "form-grid" }, ...controls,
      h("div", {}, h("label", { for: "edit-status" }, "Status"), status)),
    h("div", { class: "buttons" }, save), feedback);

  async function store(version, mine) {
    if (Object.keys(mine).length) await mutate(UPDATE, { id: action.id, version, input: mine });
    if (status.value) await mutate(SET_STATUS, { id: action.id, status: status.value });
    reload("De actie is opgeslagen.");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const mine = changes(form, base);
    if ("title" in mine && !mine.title) {
      clear(feedback).append(notice("Een actie heeft een titel.", "error"));
      form.elements.title.focus();
      return;
    }
    if (!Object.keys(mine).length && !status.value) {
      clear(feedback).append(notice("Er is niets gewijzigd."));
      return;
    }
    save.disabled = true;
    try {
      await store(base.version, mine);
    } catch (error) {
      save.disabled = false;
      if (!stale(error)) {
        clear(feedback).append(notice(`Niet opgeslagen: ${error.message}`, "error"));
        return;
      }
      const { data } = await gql(CURRENT, { id: action.id });
      const current = data.action;
      clear(feedback).append(conflictBox(base, current, mine, async (button) => {
        button.disabled = true;
        try {
          await store(current.version, mine);
        } catch (again) {
          clear(feedback).append(notice(`Niet opgeslagen: ${again.message}`, "error"));
        }
      }));
    }
  });
  return h("details", { class: "edit-action" }, h("summary", {}, "Actie bewerken"), form);
}

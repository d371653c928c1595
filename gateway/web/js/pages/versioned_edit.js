// A form over one versioned record (an action, a milestone): it sends only the fields this reader
// changed, with the version they read (the ETag, If-Match). When someone else saved first, it shows
// both versions field by field and applies the reader's changes to the new version only on purpose:
// two coordinators never overwrite each other silently.

import { clear, h, notice, table } from "../dom.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { reload } from "./reports.js";

function stale(error) {
  return (error.errors || []).some((e) => e.extensions?.code === "PRECONDITION_FAILED");
}

function shown(value) {
  return value === null || value === undefined || value === "" ? fmt.DASH : String(value);
}

/**
 * `fields`: [{ name, label, multiline, read(record) -> text, write(text) -> value, or throws the
 * reason in the reader's language }]. `save(version, changes, form)` stores (the form, for fields that go to the API together);
 * `current()` reads the record as it is stored now.
 */
export function versionedEditor({ id, summary, record, fields, save, current, extra = [], extraChanged = () => false }) {
  const feedback = h("div", { class: "feedback", "aria-live": "polite" });
  const controls = fields.map((field) => {
    const controlId = `${id}-${field.name}`;
    const value = field.read(record);
    const control = field.multiline ? h("textarea", { id: controlId, name: field.name, rows: "4" }, value)
      : h("input", { id: controlId, name: field.name, value, inputmode: field.inputmode || null, class: "wide-input" });
    return h("div", { class: field.multiline ? "wide" : null }, h("label", { for: controlId }, field.label), control);
  });
  const button = h("button", { type: "submit" }, t("edit.save"));
  const form = h("form", { id, novalidate: true }, h("div", { class: "form-grid" }, ...controls, ...extra),
    h("div", { class: "buttons" }, button), feedback);

  /** The changed fields as the API takes them; throws with the field to fix. */
  function changes() {
    const changed = {};
    for (const field of fields) {
      const text = String(form.elements[field.name].value).trim();
      if (text === String(field.read(record)).trim()) continue;
      try {
        changed[field.name] = field.write(text);
      } catch (reason) {
        form.elements[field.name].focus();
        throw reason;
      }
    }
    return changed;
  }

  function conflict(now, mine) {
    const rows = fields.filter((f) => f.name in mine || String(f.read(now)) !== String(f.read(record)))
      .map((f) => h("tr", {}, h("th", { scope: "row" }, f.label),
        h("td", {}, f.name in mine ? shown(form.elements[f.name].value.trim()) : h("span", { class: "help" }, t("edit.unchanged"))),
        h("td", {}, shown(f.read(now)))));
    const apply = h("button", { type: "button" }, t("edit.apply"));
    const keep = h("button", { type: "button", class: "secondary" }, t("edit.keep"));
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        await save(now.version, mine, form);
      } catch (again) {
        clear(feedback).append(notice(t("common.notSaved", { reason: again.message }), "error"));
      }
    });
    keep.addEventListener("click", () => reload(t("edit.kept")));
    return h("div", { class: "conflict", role: "alert" },
      h("p", {}, h("strong", {}, t("edit.conflict")), " ", t("edit.compare")),
      table(null, [t("edit.field"), t("edit.yours"), t("edit.stored")], rows, { label: t("edit.versions", { summary }), stack: true }),
      h("div", { class: "buttons" }, apply, keep));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let mine;
    try {
      mine = changes();
    } catch (reason) {
      clear(feedback).append(notice(reason.message, "error"));
      return;
    }
    if (!Object.keys(mine).length && !extraChanged()) {
      clear(feedback).append(notice(t("edit.nothing")));
      return;
    }
    button.disabled = true;
    try {
      await save(record.version, mine, form);
    } catch (error) {
      button.disabled = false;
      if (!stale(error)) {
        clear(feedback).append(notice(t("common.notSaved", { reason: error.message }), "error"));
        return;
      }
      clear(feedback).append(conflict(await current(), mine));
    }
  });
  return h("details", { class: "edit-record" }, h("summary", {}, summary), form);
}

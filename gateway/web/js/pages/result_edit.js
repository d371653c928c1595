// Editing a result: its description, and its indicator's unit, baseline and targets per period, with
// the version read (pages/versioned_edit.js). The indicator is replaced whole, so what the form does
// not show (its kind, direction, aggregation and series) is sent back as it was read.

import { gql } from "../graphql.js";
import { t } from "../i18n.js";
import { number, parseTargets, targetText } from "./goal_edit.js";
import { mutate, reload } from "./reports.js";
import { versionedEditor } from "./versioned_edit.js";

export const RESULT = `id version description indicator { name unit measureKind ascending aggregation
  baseline { value year } targets { period value kind } series { measure region occupation scale } }`;
const UPDATE = `mutation UpdateResult($id: ID!, $version: Int!, $input: ResultPatch!) {
  updateResult(id: $id, version: $version, input: $input) { ${RESULT} }
}`;
const CURRENT = `query CurrentResults($id: ID!) { action(id: $id) { results { ${RESULT} } } }`;

function indicatorOf(result, changes, form) {
  const read = (name) => String(form.elements[name].value).trim();
  const { name, unit, measureKind, ascending, aggregation, baseline, targets, series } = result.indicator || {};
  const indicator = { name, unit, measureKind: measureKind || "number", ascending: ascending ?? true,
    aggregation: aggregation || "latest", baseline: baseline && { value: baseline.value, year: baseline.year },
    targets: (targets || []).map(({ period, value, kind }) => ({ period, value, kind })), series };
  if ("unit" in changes) indicator.unit = changes.unit;
  if ("targets" in changes) indicator.targets = changes.targets;
  if ("baselineValue" in changes || "baselineYear" in changes) {
    const value = number(t("pact.baseline"))(read("baselineValue"));
    indicator.baseline = value === null ? null : { value, year: number(t("edit.baselineYear"), true)(read("baselineYear")) };
  }
  return indicator;
}

export function resultEditor(action, result, index) {
  return versionedEditor({
    id: `result-edit-${index}`,
    summary: t("edit.result", { description: result.description }),
    record: result,
    fields: [
      { name: "description", label: t("edit.resultLabel"), multiline: true, read: (r) => r.description || "",
        write: (v) => { if (!v) throw new Error(t("edit.resultNeedsDescription")); return v; } },
      { name: "unit", label: t("edit.unit"), read: (r) => r.indicator?.unit || "", write: (v) => v || null },
      { name: "baselineValue", label: t("pact.baseline"), inputmode: "decimal", read: (r) => r.indicator?.baseline?.value ?? "",
        write: number(t("pact.baseline")) },
      { name: "baselineYear", label: t("edit.baselineYear"), inputmode: "numeric",
        read: (r) => r.indicator?.baseline?.year ?? "", write: number(t("edit.baselineYear"), true) },
      { name: "targets", label: t("edit.resultTargets"),
        multiline: true, read: (r) => targetText(r.indicator || {}), write: parseTargets },
    ],
    current: async () => (await gql(CURRENT, { id: action.id })).data.action.results.find((r) => r.id === result.id),
    save: async (version, changes, form) => {
      const input = {};
      if ("description" in changes) input.description = changes.description;
      if (["unit", "baselineValue", "baselineYear", "targets"].some((name) => name in changes)) {
        input.indicator = indicatorOf(result, changes, form);
      }
      await mutate(UPDATE, { id: result.id, version, input });
      reload(t("edit.resultSaved"));
    },
  });
}

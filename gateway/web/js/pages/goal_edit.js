// Editing a goal: its name and unit, its baseline, its targets per period and the metrics series it is
// measured by, with the version read (pages/versioned_edit.js).

import { currentPrincipal } from "../auth.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
import { t } from "../i18n.js";
import { mutate, reload } from "./reports.js";
import { versionedEditor } from "./versioned_edit.js";

const GOAL = `id version name unit baseline { value year } targets { period value kind }
  seriesReference { measure region occupation scale }`;
const UPDATE = `mutation UpdateGoal($id: ID!, $version: Int!, $input: GoalPatch!) {
  updateGoal(id: $id, version: $version, input: $input) { ${GOAL} }
}`;
const CURRENT = `query CurrentGoal($slug: String!) { pact(slug: $slug) { actionLines { goals { ${GOAL} } } } }`;
// "2020 = 40" a level to reach, "2016 = +10" added to the baseline, "2016 = +10%" in percent of it.
const TARGET_LINE = /^\s*(\S*)\s*=\s*([+-]?)\s*([\d.,]+)\s*(%?)\s*$/;

export function number(label, integer = false) {
  return (text) => {
    if (!text) return null;
    const value = fmt.parseNumber(text);
    if (value === null || (integer && !Number.isInteger(value))) throw new Error(t("edit.number", { label }));
    return value;
  };
}

export function targetText(goal) {
  return (goal.targets || []).map((t) => {
    const sign = t.kind === "level" ? "" : Number(t.value) >= 0 ? "+" : "-";
    const size = t.kind === "level" ? t.value : Math.abs(Number(t.value));
    return `${t.period || ""} = ${sign}${String(size).replace(".", ",")}${t.kind === "relative_change" ? "%" : ""}`.trim();
  }).join("\n");
}

export function parseTargets(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const found = line.match(TARGET_LINE);
    if (!found) throw new Error(t("edit.targetLine", { line }));
    const [, period, sign, digits, percent] = found;
    const size = fmt.parseNumber(digits);
    if (size === null) throw new Error(t("edit.targetNumber", { digits }));
    const kind = !sign ? "level" : percent ? "relative_change" : "change";
    return { period: period || null, value: sign === "-" ? -size : size, kind };
  });
}

function seriesText(goal) {
  const ref = goal.seriesReference;
  return ref ? `${ref.measure}:${ref.region}:${ref.occupation}` : "";
}

function parseSeries(text) {
  if (!text) return null;
  const [measure, region, occupation = "total", extra] = text.split(":").map((part) => part.trim());
  if (!measure || !region || extra !== undefined) throw new Error(t("edit.seriesForm"));
  return { measure, region, occupation };
}

export function goalEditor(goal, pactSlug, index) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return null;
  const read = (name) => (form) => String(form.elements[name].value).trim();
  return versionedEditor({
    id: `goal-edit-${index}`,
    summary: t("edit.goal", { name: goal.name }),
    record: goal,
    fields: [
      { name: "name", label: t("edit.goalName"), read: (g) => g.name || "",
        write: (v) => { if (!v) throw new Error(t("edit.goalNeedsName")); return v; } },
      { name: "unit", label: t("edit.unit"), read: (g) => g.unit || "", write: (v) => v || null },
      { name: "baselineValue", label: t("pact.baseline"), inputmode: "decimal", read: (g) => g.baseline?.value ?? "",
        write: number(t("pact.baseline")) },
      { name: "baselineYear", label: t("edit.baselineYear"), inputmode: "numeric", read: (g) => g.baseline?.year ?? "",
        write: number(t("edit.baselineYear"), true) },
      { name: "targets", label: t("edit.goalTargets"), multiline: true, read: targetText, write: parseTargets },
      { name: "series", label: t("edit.series"), read: seriesText, write: parseSeries },
      { name: "scale", label: t("edit.scale"), inputmode: "decimal",
        read: (g) => g.seriesReference?.scale ?? "", write: number(t("edit.scaleShort")) },
    ],
    current: async () => (await gql(CURRENT, { slug: pactSlug })).data.pact.actionLines
      .flatMap((line) => line.goals || []).find((g) => g.id === goal.id),
    save: async (version, changes, form) => {
      const input = {};
      if ("name" in changes) input.name = changes.name;
      if ("unit" in changes) input.unit = changes.unit;
      if ("targets" in changes) input.targets = changes.targets;
      if ("baselineValue" in changes || "baselineYear" in changes) {
        const value = number(t("pact.baseline"))(read("baselineValue")(form));
        input.baseline = value === null ? null : { value, year: number(t("edit.baselineYear"), true)(read("baselineYear")(form)) };
      }
      if ("series" in changes || "scale" in changes) {
        const series = parseSeries(read("series")(form));
        input.series = series && { ...series, scale: number(t("edit.scaleShort"))(read("scale")(form)) ?? 1 };
      }
      await mutate(UPDATE, { id: goal.id, version, input });
      reload(t("edit.goalSaved"));
    },
  });
}

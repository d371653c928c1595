// Editing a goal: its name and unit, its baseline, its targets per period and the metrics series it is
// measured by, with the version read (pages/versioned_edit.js).

import { currentPrincipal } from "../auth.js";
import { gql } from "../graphql.js";
import * as fmt from "../format.js";
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
    if (value === null || (integer && !Number.isInteger(value))) throw new Error(`${label}: vul een getal in.`);
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
    if (!found) throw new Error(`Streefwaarden: schrijf "2020 = 40", "2016 = +10" of "2016 = +10%" (niet "${line}").`);
    const [, period, sign, digits, percent] = found;
    const size = fmt.parseNumber(digits);
    if (size === null) throw new Error(`Streefwaarden: "${digits}" is geen getal.`);
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
  if (!measure || !region || extra !== undefined) throw new Error("Meetreeks: schrijf maatstaf:regio:beroepsklasse.");
  return { measure, region, occupation };
}

export function goalEditor(goal, pactSlug, index) {
  if (!currentPrincipal()?.scopes.has("actions:write")) return null;
  const read = (name) => (form) => String(form.elements[name].value).trim();
  return versionedEditor({
    id: `goal-edit-${index}`,
    summary: `Doel bewerken: ${goal.name}`,
    record: goal,
    fields: [
      { name: "name", label: "Naam van het doel", read: (g) => g.name || "",
        write: (v) => { if (!v) throw new Error("Een doel heeft een naam."); return v; } },
      { name: "unit", label: "Eenheid", read: (g) => g.unit || "", write: (v) => v || null },
      { name: "baselineValue", label: "Nulmeting", inputmode: "decimal", read: (g) => g.baseline?.value ?? "",
        write: number("Nulmeting") },
      { name: "baselineYear", label: "Jaar van de nulmeting", inputmode: "numeric", read: (g) => g.baseline?.year ?? "",
        write: number("Jaar van de nulmeting", true) },
      { name: "targets", label: "Streefwaarden, één per regel: 2020 = 40 (te bereiken), 2016 = +10 (erbij), 2016 = +10% (procent erbij), = 75 (zonder jaar)",
        multiline: true, read: targetText, write: parseTargets },
      { name: "series", label: "Meetreeks (maatstaf:regio:beroepsklasse, leeg voor geen)", read: seriesText,
        write: parseSeries },
      { name: "scale", label: "Schaal van de meetreeks (100 voor een aandeel als percentage)", inputmode: "decimal",
        read: (g) => g.seriesReference?.scale ?? "", write: number("Schaal") },
    ],
    current: async () => (await gql(CURRENT, { slug: pactSlug })).data.pact.actionLines
      .flatMap((line) => line.goals || []).find((g) => g.id === goal.id),
    save: async (version, changes, form) => {
      const input = {};
      if ("name" in changes) input.name = changes.name;
      if ("unit" in changes) input.unit = changes.unit;
      if ("targets" in changes) input.targets = changes.targets;
      if ("baselineValue" in changes || "baselineYear" in changes) {
        const value = number("Nulmeting")(read("baselineValue")(form));
        input.baseline = value === null ? null : { value, year: number("Jaar", true)(read("baselineYear")(form)) };
      }
      if ("series" in changes || "scale" in changes) {
        const series = parseSeries(read("series")(form));
        input.series = series && { ...series, scale: number("Schaal")(read("scale")(form)) ?? 1 };
      }
      await mutate(UPDATE, { id: goal.id, version, input });
      reload("Het doel is opgeslagen.");
    },
  });
}

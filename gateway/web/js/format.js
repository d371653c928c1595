// Labels and number formats in the reader's language (Dutch: 81.024; 43,9% · English: 81,024; 43.9%),
// in one place. The labels are in the message catalogues (i18n/), under the labeller's prefix.

import { has, locale, t } from "./i18n.js";

const FORMATS = {
  integer: { maximumFractionDigits: 0 },
  decimal: { maximumFractionDigits: 1 },
  share: { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 },
  longDate: { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" },
  monthYear: { month: "long", year: "numeric", timeZone: "UTC" },
  moment: { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" },
  clock: { hour: "2-digit", minute: "2-digit" },
};
const DATES = new Set(["longDate", "monthYear", "moment", "clock"]);
const made = new Map();

/** The Intl formatter of that name for the current language, made once per language. */
export function formatter(name) {
  const key = `${locale()} ${name}`;
  if (!made.has(key)) {
    made.set(key, DATES.has(name) ? new Intl.DateTimeFormat(locale(), FORMATS[name])
      : new Intl.NumberFormat(locale(), FORMATS[name]));
  }
  return made.get(key);
}

export const DASH = "–";

export function number(value) {
  if (value === null || value === undefined || value === "") return DASH;
  const n = Number(value);
  return Number.isInteger(n) ? formatter("integer").format(n) : formatter("decimal").format(n);
}

/**
 * A number as a Dutch reader types it (3; 2,5; 1.234; 1.234,5), or as a machine writes it (2.5);
 * null when it is none. A point with three digits after it groups thousands, as Dutch writes them.
 */
export function parseNumber(text) {
  const raw = String(text ?? "").trim().replace(/\s/g, "");
  if (!raw) return null;
  let normalised = raw;
  if (raw.includes(",")) normalised = raw.replace(/\./g, "").replace(",", ".");
  else if (/^-?\d{1,3}(\.\d{3})+$/.test(raw)) normalised = raw.replace(/\./g, "");
  if (!/^-?\d+(\.\d+)?$/.test(normalised)) return null;
  return Number(normalised);
}

/** A fraction (0.439) as a percentage: 43,9%. */
export function percent(fraction) {
  if (fraction === null || fraction === undefined) return DASH;
  return formatter("share").format(Number(fraction));
}

const PERCENT_UNITS = new Set(["%", "percent", "procent", "percentage"]);

export function isPercentUnit(unit) {
  return PERCENT_UNITS.has(String(unit || "").toLowerCase());
}

/** A goal's value in its unit: percentages are stored as points (25 means 25%). */
export function quantity(value, unit) {
  if (value === null || value === undefined) return DASH;
  if (isPercentUnit(unit)) return `${formatter("decimal").format(Number(value))}%`;
  return unit ? `${number(value)} ${unit}` : number(value);
}

/** A target as the plan writes it: a level ("40% (2020)") or a change from the baseline ("+10% t.o.v. de nulmeting"). */
export function target(tgt, unit) {
  const when = tgt.period ? ` (${period(tgt.period)})` : "";
  const signed = (text) => (Number(tgt.value) > 0 ? `+${text}` : text);
  if (tgt.kind === "relative_change") {
    return t("format.fromBaseline", { change: signed(`${formatter("decimal").format(Number(tgt.value))}%`), when });
  }
  if (tgt.kind === "change") return t("format.fromBaseline", { change: signed(quantity(tgt.value, unit)), when });
  return `${quantity(tgt.value, unit)}${when}`;
}

export function date(iso) {
  if (!iso) return DASH;
  const parsed = new Date(`${String(iso).slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? String(iso) : formatter("longDate").format(parsed);
}

/** A moment (an ISO timestamp) with its time of day. */
export function moment(iso) {
  return iso ? formatter("moment").format(new Date(iso)) : DASH;
}

/** Period codes as the API writes them: 2012, 2012-Q3, 2012-H1, 2012-07, 2012-07-15. */
export function period(code) {
  if (code === null || code === undefined) return DASH;
  const text = String(code);
  let match;
  if ((match = text.match(/^(\d{4})-Q([1-4])$/))) return t("format.quarter", { n: match[2], year: match[1] });
  if ((match = text.match(/^(\d{4})-H([12])$/))) return t("format.half", { n: match[2], year: match[1] });
  if ((match = text.match(/^(\d{4})-(\d{2})$/))) return formatter("monthYear").format(new Date(`${text}-01T00:00:00Z`));
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return date(text);
  return text;
}

/** A code's label from the catalogue (`prefix.code`); a code it does not know, in words. */
function labeller(prefix) {
  return (code) => {
    if (code === null || code === undefined) return DASH;
    const key = `${prefix}.${String(code).toLowerCase()}`;
    return has(key) ? t(key) : String(code).replaceAll("_", " ");
  };
}

/** Why a goal shows no progress, as actions_api says it (progressNote). */
export const progressNote = labeller("progressNote");

export const ORGANISATION_KINDS = ["company", "primary_school", "secondary_school", "vmbo", "mbo", "hbo",
  "university", "municipality", "province", "economic_board", "employer_organisation", "sector_fund",
  "intermediary", "knowledge_institute", "training_company", "other"];
export const kind = labeller("kind");

export const status = labeller("status");

/** Badge style per status, so the colour is never the only signal (the text says it too). */
export function statusTone(code) {
  const value = String(code || "").toLowerCase();
  if (["achieved", "done", "completed", "finished", "met", "reached", "approved"].includes(value)) return "done";
  if (["stopped", "cancelled", "canceled", "missed", "stalled", "delayed", "at_risk"].includes(value)) return "late";
  if (["started", "active", "in_progress", "on_track"].includes(value)) return "active";
  return "muted";
}

export const role = labeller("role");

export const reportState = labeller("reportState");

export const occupation = labeller("occupation");

export const regionKind = labeller("regionKind");

export const agendaKind = labeller("agendaKind");

export const level = labeller("level");

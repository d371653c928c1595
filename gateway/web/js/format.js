// Dutch labels and Dutch number formats (81.024; 43,9%), in one place.

const integer = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("nl-NL", { maximumFractionDigits: 1 });
const share = new Intl.NumberFormat("nl-NL", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const longDate = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const monthYear = new Intl.DateTimeFormat("nl-NL", { month: "long", year: "numeric", timeZone: "UTC" });

export const DASH = "–";

export function number(value) {
  if (value === null || value === undefined || value === "") return DASH;
  const n = Number(value);
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
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
  return share.format(Number(fraction));
}

const PERCENT_UNITS = new Set(["%", "percent", "procent", "percentage"]);

export function isPercentUnit(unit) {
  return PERCENT_UNITS.has(String(unit || "").toLowerCase());
}

/** A goal's value in its unit: percentages are stored as points (25 means 25%). */
export function quantity(value, unit) {
  if (value === null || value === undefined) return DASH;
  if (isPercentUnit(unit)) return `${decimal.format(Number(value))}%`;
  return unit ? `${number(value)} ${unit}` : number(value);
}

/** A target as the plan writes it: a level ("40% (2020)") or a change from the baseline ("+10% t.o.v. de nulmeting"). */
export function target(t, unit) {
  const when = t.period ? ` (${period(t.period)})` : "";
  const signed = (text) => (Number(t.value) > 0 ? `+${text}` : text);
  if (t.kind === "relative_change") return `${signed(`${decimal.format(Number(t.value))}%`)} t.o.v. de nulmeting${when}`;
  if (t.kind === "change") return `${signed(quantity(t.value, unit))} t.o.v. de nulmeting${when}`;
  return `${quantity(t.value, unit)}${when}`;
}

/** Why a goal shows no progress, as actions_api says it (progressNote). */
export const progressNote = labeller({
  qualitative: "kwalitatief doel",
  no_baseline: "geen nulmeting",
  no_target: "geen streefcijfer",
  not_measured: "nog niet gemeten",
  target_is_baseline: "doel gelijk aan de nulmeting",
  series_unknown: "meetreeks onbekend",
  series_unavailable: "meting nu niet beschikbaar",
});

export function date(iso) {
  if (!iso) return DASH;
  const parsed = new Date(`${String(iso).slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? String(iso) : longDate.format(parsed);
}

/** Period codes as the API writes them: 2012, 2012-Q3, 2012-H1, 2012-07, 2012-07-15. */
export function period(code) {
  if (code === null || code === undefined) return DASH;
  const text = String(code);
  let match;
  if ((match = text.match(/^(\d{4})-Q([1-4])$/))) return `${match[2]}e kwartaal ${match[1]}`;
  if ((match = text.match(/^(\d{4})-H([12])$/))) return `${match[2]}e helft ${match[1]}`;
  if ((match = text.match(/^(\d{4})-(\d{2})$/))) return monthYear.format(new Date(`${text}-01T00:00:00Z`));
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return date(text);
  return text;
}

function labeller(labels) {
  return (code) => {
    if (code === null || code === undefined) return DASH;
    return labels[String(code).toLowerCase()] ?? String(code).replaceAll("_", " ");
  };
}

export const ORGANISATION_KINDS = {
  company: "Bedrijf",
  primary_school: "Basisschool",
  secondary_school: "School voor voortgezet onderwijs",
  vmbo: "Vmbo-school",
  mbo: "Mbo-instelling",
  hbo: "Hogeschool",
  university: "Universiteit",
  municipality: "Gemeente",
  province: "Provincie",
  economic_board: "Economic board",
  employer_organisation: "Werkgeversorganisatie",
  sector_fund: "Bedrijfstakfonds",
  intermediary: "Intermediaire organisatie",
  knowledge_institute: "Kennisinstelling",
  training_company: "Opleidingsbedrijf",
  other: "Overig",
};
export const kind = labeller(ORGANISATION_KINDS);

export const status = labeller({
  planned: "Gepland",
  not_started: "Nog niet gestart",
  proposed: "Voorgesteld",
  started: "Gestart",
  active: "Loopt",
  in_progress: "Loopt",
  on_track: "Op schema",
  at_risk: "Risico",
  delayed: "Vertraagd",
  stalled: "Stilgevallen",
  on_hold: "Gepauzeerd",
  achieved: "Bereikt",
  stopped: "Gestopt",
  dropped: "Vervallen",
  done: "Afgerond",
  completed: "Afgerond",
  finished: "Afgerond",
  cancelled: "Geannuleerd",
  canceled: "Geannuleerd",
  open: "Open",
  pending: "Open",
  met: "Gehaald",
  reached: "Gehaald",
  missed: "Niet gehaald",
});

/** Badge style per status, so the colour is never the only signal (the text says it too). */
export function statusTone(code) {
  const value = String(code || "").toLowerCase();
  if (["achieved", "done", "completed", "finished", "met", "reached", "approved"].includes(value)) return "done";
  if (["stopped", "cancelled", "canceled", "missed", "stalled", "delayed", "at_risk"].includes(value)) return "late";
  if (["started", "active", "in_progress", "on_track"].includes(value)) return "active";
  return "muted";
}

export const role = labeller({ lead: "Trekker", participant: "Deelnemer", coordination: "Afstemming" });

export const reportState = labeller({
  draft: "Concept",
  submitted: "Ingediend",
  approved: "Goedgekeurd",
  returned: "Teruggestuurd",
});

export const occupation = labeller({
  total: "Totaal",
  technical_industry: "Technische en industrieberoepen",
  ict: "Informaticaberoepen",
});

export const regionKind = labeller({
  country: "Land",
  province: "Provincies",
  labour_market_region: "Arbeidsmarktregio's",
  municipality: "Gemeenten",
  aggregate: "Samenwerkingsgebieden",
});

export const agendaKind = labeller({
  signing: "Ondertekening",
  meeting: "Overleg",
  stakeholder_meeting: "Stakeholderbijeenkomst",
  monitoring: "Monitoring",
  deadline: "Deadline",
  other: "Overig",
});

export const level = labeller({ national: "Landelijk", regional: "Regionaal", subregional: "Subregionaal" });

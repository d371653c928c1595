// The UI's language: Dutch by default, English selectable (the header's control), remembered in
// localStorage. Every UI text is a key in one message catalogue per language (i18n/nl/, i18n/en/);
// data (pact names, action titles, plan texts) is shown as it is. t(key, params) looks a text up and
// fills in its {placeholders}; a text with forms per number ({ one, other }) takes the form that
// Intl.PluralRules gives for params.count. Numbers in params are written as the language writes them.

import nlFrame from "./i18n/nl/frame.js";
import nlPages from "./i18n/nl/pages.js";
import enFrame from "./i18n/en/frame.js";
import enPages from "./i18n/en/pages.js";

// A catalogue per language, in two modules: the frame and shared pieces, and the pages.
const CATALOGUES = { nl: { ...nlFrame, ...nlPages }, en: { ...enFrame, ...enPages } };
const LOCALES = { nl: "nl-NL", en: "en-GB" };
const STORED = "techniekpact.language";
export const DEFAULT_LANGUAGE = "nl";

function stored() {
  try {
    return localStorage.getItem(STORED);
  } catch {
    return null; // storage refused (a private window, a policy): the default applies
  }
}

let language = CATALOGUES[stored()] ? stored() : DEFAULT_LANGUAGE;
let plurals = new Intl.PluralRules(LOCALES[language]);
let numbers = new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 });

export function currentLanguage() {
  return language;
}

/** The BCP 47 locale that Intl formats this language's numbers and dates with. */
export function locale() {
  return LOCALES[language];
}

export function has(key) {
  return key in CATALOGUES[language] || key in CATALOGUES[DEFAULT_LANGUAGE];
}

export function t(key, params = {}) {
  let entry = CATALOGUES[language][key] ?? CATALOGUES[DEFAULT_LANGUAGE][key];
  if (entry === undefined) {
    console.error(`no text for ${key}`);
    return key;
  }
  if (typeof entry === "object") entry = entry[plurals.select(Number(params.count ?? 0))] ?? entry.other;
  return entry.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return typeof value === "number" ? numbers.format(value) : String(value ?? "");
  });
}

/** The texts of index.html: `data-i18n` the element's text, `data-i18n-label` its aria-label. */
export function translateDocument(root = document) {
  document.documentElement.lang = language;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}

/** Switches the language, remembers it and tells the page (which draws itself again). */
export function setLanguage(code) {
  if (!CATALOGUES[code] || code === language) return;
  language = code;
  plurals = new Intl.PluralRules(LOCALES[language]);
  numbers = new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 });
  try {
    localStorage.setItem(STORED, code);
  } catch {
    // not remembered, still switched
  }
  translateDocument();
  window.dispatchEvent(new CustomEvent("language-changed"));
}

/** The header's control: the languages named in their own words. */
export function setUpLanguageControl() {
  const select = document.getElementById("language");
  select.value = language;
  select.addEventListener("change", () => setLanguage(select.value));
}

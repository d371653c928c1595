// Hash routes, the session and the page frame. Each page module exports render(main, params).

import { clear, h, notice } from "./dom.js";
import { startSession } from "./auth.js";
import { setUpLanguageControl, t, translateDocument } from "./i18n.js";
import * as pacts from "./pages/pacts.js";
import * as pact from "./pages/pact.js";
import * as action from "./pages/action.js";
import * as partners from "./pages/partners.js";
import * as partner from "./pages/partner.js";
import * as labour from "./pages/labour.js";
import * as review from "./pages/review.js";
import * as followup from "./pages/followup.js";
import * as signups from "./pages/signups.js";
import * as overTime from "./pages/over_time.js";
import * as search from "./pages/search.js";

const ROUTES = [
  { pattern: /^\/?$/, page: pacts, nav: "pacten" },
  { pattern: /^\/pact\/([^/]+)$/, page: pact, nav: "pacten", keys: ["slug"] },
  { pattern: /^\/actie\/([^/]+)$/, page: action, nav: "pacten", keys: ["id"] },
  { pattern: /^\/partners$/, page: partners, nav: "partners" },
  { pattern: /^\/partner\/([^/]+)$/, page: partner, nav: "partners", keys: ["id"] },
  { pattern: /^\/arbeidsmarkt$/, page: labour, nav: "arbeidsmarkt" },
  { pattern: /^\/beoordelen$/, page: review, nav: "beoordelen" },
  { pattern: /^\/beoordelen\/([^/]+)$/, page: review, nav: "beoordelen", keys: ["slug"] },
  { pattern: /^\/opvolging$/, page: followup, nav: "opvolging" },
  { pattern: /^\/opvolging\/([^/]+)$/, page: followup, nav: "opvolging", keys: ["slug"] },
  { pattern: /^\/aanmeldingen$/, page: signups, nav: "aanmeldingen" },
  { pattern: /^\/doelen$/, page: overTime, nav: "doelen" },
  { pattern: /^\/zoeken$/, page: search, nav: "zoeken" },
  { pattern: /^\/doelen\/([^/]+)$/, page: overTime, nav: "doelen", keys: ["slug"] },
];

const main = document.getElementById("main");
let navigation = 0;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

/** A page that loaded after the reader moved on must not replace the page they moved to. */
function isCurrent(id) {
  return id === navigation;
}

async function route() {
  const id = ++navigation;
  const { path, query } = parseHash();
  const match = ROUTES.map((r) => ({ r, m: path.match(r.pattern) })).find(({ m }) => m);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (match && link.dataset.nav === match.r.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clear(main);
  if (!match) {
    document.title = `${t("frame.notFoundTitle")} · Techniekpact`;
    main.append(h("h1", {}, t("frame.notFound")), h("p", {}, h("a", { href: "#/" }, t("frame.toPacts"))));
    main.focus();
    return;
  }
  const params = Object.fromEntries((match.r.keys || []).map((key, i) => [key, decodeURIComponent(match.m[i + 1])]));
  main.append(h("p", { class: "loading" }, t("frame.loading")));
  main.setAttribute("aria-busy", "true");
  const view = h("div", { class: "page" });
  let afterAttach = null;
  try {
    afterAttach = await match.r.page.render(view, { ...params, query });
  } catch (error) {
    clear(view).append(h("h1", {}, t("frame.failed")), notice(error.message, "error"));
    console.error(error);
  }
  if (!isCurrent(id)) return;
  clear(main).append(view);
  main.removeAttribute("aria-busy");
  if (typeof afterAttach === "function") afterAttach();
  const heading = view.querySelector("h1");
  document.title = `${heading ? heading.textContent : "Techniekpact"} · Techniekpact`;
  // After a move within the app, focus goes to the new page so keyboard and screen-reader users
  // start at its top; on the first load the browser's own order (skip link first) applies.
  if (id > 1) main.focus();
}

translateDocument();
setUpLanguageControl();
await startSession();
// The skip link must not touch the hash: here the hash is the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", () => {
  document.getElementById("status").textContent = "";
  route();
});
window.addEventListener("token-changed", route);
// A report submitted, approved or returned: the page loads again with what that changed.
window.addEventListener("data-changed", route);
// Another language: the page draws itself again in it (what was typed in its forms is not kept).
window.addEventListener("language-changed", route);
route();

// Who is signed in. People sign in with OpenID Connect (authorization code with PKCE) through
// oidc-client-ts (vendor/oidc-client-ts, loaded as the global `oidc`); the gateway's /auth/config says
// where. In development a pasted token (techniekpact token) still works. Every request takes its
// bearer token from accessToken(); a token the services refuse is shown as expired or invalid, and
// the pages fall back to what is public.

import { clear } from "./dom.js";
import { formatter } from "./format.js";
import { has, t } from "./i18n.js";

const PASTED_KEY = "techniekpact.token";

let manager = null; // oidc.UserManager, once the gateway says where to sign in
let user = null; // the signed-in user (oidc-client-ts User)
let refused = null; // "expired" or "invalid": what became of the token last sent
let signInError = "";

export function pastedToken() {
  return sessionStorage.getItem(PASTED_KEY) || "";
}

function setPastedToken(token) {
  if (token) sessionStorage.setItem(PASTED_KEY, token);
  else sessionStorage.removeItem(PASTED_KEY);
  refused = null;
}

/** A JWT's claims, read without checking it: only to say whose it is and until when. */
function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return null;
  }
}

function expiresAt() {
  const pasted = pastedToken();
  if (pasted) return claimsOf(pasted)?.exp ?? null;
  return user?.expires_at ?? null;
}

/** The bearer token to send: "" when there is none, or when it has expired or been refused. */
export function accessToken() {
  if (refused) return "";
  const token = pastedToken() || user?.access_token || "";
  if (!token) return "";
  const until = expiresAt();
  if (until !== null && until * 1000 <= Date.now()) {
    tokenRefused("expired");
    return "";
  }
  return token;
}

/** The services answered 401 to the token sent: say so, and send none until the reader signs in again. */
export function tokenRefused(detailOrKind) {
  const kind = /expired|verlopen/i.test(detailOrKind) ? "expired" : "invalid";
  if (refused === kind) return;
  refused = kind;
  show();
  status(t(kind === "expired" ? "session.expiredStatus" : "session.invalidStatus"));
}

function status(text) {
  document.getElementById("status").textContent = text;
}

function changed() {
  show();
  window.dispatchEvent(new CustomEvent("token-changed"));
}

function describeSession() {
  if (refused === "expired") return t("session.expired");
  if (refused === "invalid") return t("session.invalid");
  const until = expiresAt();
  const time = until ? formatter("clock").format(new Date(until * 1000)) : null;
  if (pastedToken()) {
    const subject = claimsOf(pastedToken())?.sub;
    return `${subject ? t("session.pastedOf", { subject }) : t("session.pasted")}${time ? t("session.validUntil", { time }) : ""}`;
  }
  if (user) {
    const roleKey = `signInRole.${(user.profile?.roles || [])[0]}`;
    const name = user.profile?.name || user.profile?.sub;
    return has(roleKey) ? t("session.signedInAs", { name, role: t(roleKey), time })
      : t("session.signedIn", { name, time });
  }
  return signInError ? t("session.signInFailed", { reason: signInError }) : t("session.none");
}

function show() {
  const signedIn = Boolean(pastedToken() || user) && !refused;
  const state = document.getElementById("session-state");
  clear(state).append(describeSession());
  state.dataset.state = refused || (signedIn ? "active" : "none");
  const signIn = document.getElementById("sign-in");
  signIn.hidden = !manager || signedIn;
  signIn.textContent = t(refused ? "session.signInAgain" : "session.signIn");
  document.getElementById("sign-out").hidden = !(pastedToken() || user);
  document.getElementById("token-state").textContent = t(pastedToken()
    ? (refused ? "token.stateRefused" : "token.stateActive") : "token.stateNone");
  document.body.classList.toggle("has-token", signedIn);
}

async function signIn() {
  // Back to the page the reader was on once the identity provider sends them back.
  await manager.signinRedirect({ state: { hash: location.hash || "#/" } });
}

async function signOut() {
  setPastedToken("");
  if (manager) await manager.removeUser();
  user = null;
  refused = null;
  status(t("session.signedOut"));
  changed();
}

function watch() {
  manager.events.addUserLoaded((renewed) => {
    user = renewed;
    refused = null;
    show();
  });
  manager.events.addAccessTokenExpired(() => tokenRefused("expired"));
  manager.events.addSilentRenewError(() => {
    if (user?.expired) tokenRefused("expired");
  });
}

async function startOidc(config) {
  manager = new oidc.UserManager({
    authority: config.authority,
    client_id: config.client_id,
    scope: config.scope,
    redirect_uri: new URL(".", location.href).href,
    response_type: "code",
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 60,
  });
  watch();
  const query = new URLSearchParams(location.search);
  if (query.has("state") && (query.has("code") || query.has("error"))) {
    let back = "#/";
    try {
      user = await manager.signinRedirectCallback();
      back = user.state?.hash || back;
    } catch (error) {
      signInError = error.message;
    }
    history.replaceState(null, "", `${location.pathname}${back}`);
    return;
  }
  user = await manager.getUser();
  if (user?.expired) {
    try {
      user = await manager.signinSilent(); // with the refresh token: no page to see
      refused = null; // the stale token's "expired" event may have come first
    } catch {
      tokenRefused("expired");
    }
  }
}

function setUpTokenBox(development) {
  const box = document.getElementById("token-box");
  box.hidden = !development && !pastedToken();
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  input.value = pastedToken();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setPastedToken(input.value.trim());
    status(t(pastedToken() ? "token.saved" : "token.cleared"));
    box.open = false;
    changed();
  });
  document.getElementById("token-clear").addEventListener("click", () => {
    input.value = "";
    setPastedToken("");
    status(t("token.cleared"));
    changed();
  });
}

/** Reads where to sign in, finishes a sign-in the identity provider sent back, and shows who is in. */
export async function startSession() {
  let config = null;
  try {
    config = await (await fetch("auth/config")).json();
  } catch {
    config = null;
  }
  if (config?.authority && window.oidc) {
    try {
      await startOidc(config);
    } catch (error) {
      signInError = error.message;
    }
  }
  setUpTokenBox(Boolean(config?.development));
  document.getElementById("sign-in").addEventListener("click", () => signIn().catch((error) => {
    signInError = error.message;
    show();
  }));
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("language-changed", show);
  show();
}

/** Whom the token speaks for and what it may do, as far as the page can tell: the services decide. */
export function currentPrincipal() {
  const token = accessToken();
  if (!token) return null;
  const claims = claimsOf(token) || {};
  const scope = claims.scope || (pastedToken() ? "" : user?.scope) || "";
  return { subject: claims.sub || user?.profile?.sub || "", scopes: new Set(String(scope).split(/\s+/).filter(Boolean)) };
}

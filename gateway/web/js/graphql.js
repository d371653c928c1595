// The only way this app talks to the platform: the gateway's /graphql, with automatic persisted
// queries as Apollo's clients send them. A query goes as its SHA-256 alone, over GET when no token
// goes with it, so the browser (and a CDN) can keep the answer and revalidate it with its ETag; the
// query's text follows only when the gateway answers PERSISTED_QUERY_NOT_FOUND (its first sight of
// it, or after a restart). Mutations and requests with a token go over POST.

import { accessToken, tokenRefused } from "./auth.js";
import { t } from "./i18n.js";

/** The bearer token the requests carry (js/auth.js): "" when none is signed in. */
export { accessToken as getToken } from "./auth.js";

export class GraphQLError extends Error {
  constructor(message, errors = []) {
    super(message);
    this.errors = errors;
  }
}

/** One sentence per kind of error, in the reader's language; the service's own detail (English) stays for specifics. */
function explain(error) {
  const ext = error.extensions || {};
  const detail = ext.problem?.detail || error.message;
  switch (ext.code) {
    case "SERVICE_UNAVAILABLE":
      return t("errors.unavailable", { service: ["actions_api", "partners_api", "metrics_api"].includes(ext.service)
        ? t(`errors.service.${ext.service}`) : ext.service });
    case "UNAUTHENTICATED":
      return t("errors.unauthenticated");
    case "FORBIDDEN":
      return t("errors.forbidden", { detail });
    case "BAD_USER_INPUT": {
      const fields = (ext.problem?.errors || []).map((e) => `${e.field}: ${e.reason || e.message || ""}`.trim());
      return t("errors.badInput", { detail: fields.length ? fields.join("; ") : detail });
    }
    case "RATE_LIMITED":
      return t("errors.rateLimited");
    default:
      return error.message;
  }
}

function describe(errors) {
  return [...new Set(errors.map(explain))].join(" ");
}

/**
 * Runs one operation. Resolves to {data, errors}: the gateway answers with partial data plus errors
 * when one service is down, and the pages show what they have. Rejects only when there is no data.
 */
export async function gql(query, variables = {}) {
  const token = accessToken();
  const { body, status } = await send(query, variables, token);
  const errors = body.errors || [];
  const refusal = token && errors.find((e) => e.extensions?.code === "UNAUTHENTICATED");
  if (refusal) {
    // An expired or invalid token is no reason to show nothing: say what became of it, then ask
    // again as a visitor (a refused write had no effect, so asking again is safe).
    tokenRefused(refusal.extensions?.problem?.detail || refusal.message);
    return gql(query, variables);
  }
  if (!body.data) {
    throw new GraphQLError(errors.length ? describe(errors) : `Status ${status}`, errors);
  }
  return { data: body.data, errors };
}

// Longer addresses than this go over POST: some proxies and CDNs cut them off.
const MAX_GET_URL = 2000;
const hashes = new Map(); // query text -> its SHA-256 (hex); the pages' queries are constants

async function sha256(text) {
  // crypto.subtle exists only in a secure context (https, or localhost): on plain http elsewhere,
  // the vendored js-sha256 (loaded only then) computes the same digest.
  if (globalThis.crypto?.subtle) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }
  const vendored = await import("../vendor/js-sha256/sha256.min.mjs");
  return vendored.sha256(text);
}

async function hashOf(query) {
  if (!hashes.has(query)) hashes.set(query, await sha256(query));
  return hashes.get(query);
}

function isMutation(query) {
  return /^\s*mutation\b/.test(query.replace(/^(\s*#[^\n]*\n)+/, ""));
}

async function send(query, variables, token) {
  const extensions = { persistedQuery: { version: 1, sha256Hash: await hashOf(query) } };
  const get = !token && !isMutation(query);
  const hashed = await request({ variables, extensions }, token, get);
  if (!hashed.body.errors?.some((e) => e.extensions?.code === "PERSISTED_QUERY_NOT_FOUND")) return hashed;
  // Registered over POST: the text may be long, and the next request of it is the hash alone.
  return request({ query, variables, extensions }, token, false);
}

function address(payload) {
  const search = new URLSearchParams();
  if (Object.keys(payload.variables).length) search.set("variables", JSON.stringify(payload.variables));
  search.set("extensions", JSON.stringify(payload.extensions));
  // Relative, so the app also works when the gateway sits under a path prefix.
  return `graphql?${search}`;
}

async function request(payload, token, get) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const url = get ? address(payload) : "";
  const viaGet = Boolean(url) && new URL(url, location.href).href.length <= MAX_GET_URL;
  if (!viaGet) headers["Content-Type"] = "application/json";
  const init = viaGet ? { method: "GET", headers } : { method: "POST", headers, body: JSON.stringify(payload) };
  let response;
  try {
    response = await fetch(viaGet ? url : "graphql", init);
  } catch (error) {
    throw new GraphQLError(t("errors.unreachable", { reason: error.message }));
  }
  try {
    return { body: await response.json(), status: response.status };
  } catch {
    throw new GraphQLError(t("errors.noData", { status: String(response.status) }));
  }
}

export { describe as describeErrors };

// The only way this app talks to the platform: POST to the gateway's /graphql.

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
  const { body, status } = await post(query, variables, token);
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

async function post(query, variables, token) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    // Relative, so the app also works when the gateway sits under a path prefix.
    response = await fetch("graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
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

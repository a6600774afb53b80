import type { Context } from "hono";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

export interface HeaderSets {
  /** What every response carries. A CSP without 'unsafe-inline' scripts: every script is a file this server serves. */
  security: Readonly<Record<string, string>>;
  /** A whole page's headers, the security ones included (render.ts builds pages with them). */
  page: Readonly<Record<string, string>>;
}

const headerSets = new WeakMap<Services, HeaderSets>();

/** Worked out once per installation's services. */
export function headerSetsOf(s: Services): HeaderSets {
  let sets = headerSets.get(s);
  if (!sets) {
    const csp = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "object-src 'none'",
      `frame-ancestors ${s.frameAncestors}`,
    ].join("; ");
    const security = Object.freeze({
      "Content-Security-Policy": csp,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
      ...(s.secureCookies ? { "Strict-Transport-Security": "max-age=31536000" } : {}),
    });
    sets = { security, page: Object.freeze({ "Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-store", ...security }) };
    headerSets.set(s, sets);
  }
  return sets;
}

/** Adds the security headers to a response that was not built with them (see render.ts's page()). */
export function withSecurityHeaders(c: Context<AppEnv>, s: Services, res: Response): Response {
  if (c.get("secured")) return res;
  // Set in place: c.header() on a finished response copies the whole Response once per call.
  const { security } = headerSetsOf(s);
  for (const name in security) res.headers.set(name, security[name]);
  return res;
}

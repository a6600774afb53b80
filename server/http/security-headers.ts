import type { MiddlewareHandler } from "hono";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

const headerSets = new WeakMap<Services, Readonly<Record<string, string>>>();

/** The headers every response carries. A CSP without 'unsafe-inline' scripts: every script is a file this server serves. */
export function securityHeaderValues(s: Services): Readonly<Record<string, string>> {
  let values = headerSets.get(s);
  if (!values) {
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
    values = Object.freeze({
      "Content-Security-Policy": csp,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
      ...(s.secureCookies ? { "Strict-Transport-Security": "max-age=31536000" } : {}),
    });
    headerSets.set(s, values);
  }
  return values;
}

export function securityHeaders(s: Services): MiddlewareHandler<AppEnv> {
  const values = Object.entries(securityHeaderValues(s));
  return async (c, next) => {
    await next();
    // A page from render() was built with them (see there).
    if (c.get("secured")) return;
    // On the finished response, c.header() copies the whole Response once per call; setting
    // its headers in place, as Hono's own secureHeaders does, is cheaper.
    const headers = c.res.headers;
    for (const [name, value] of values) headers.set(name, value);
  };
}

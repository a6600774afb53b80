import type { MiddlewareHandler } from "hono";
import type { Services } from "../services.ts";

/** A CSP without 'unsafe-inline' scripts: every script is a file this server serves. */
export function securityHeaders(s: Services): MiddlewareHandler {
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
  return async (c, next) => {
    await next();
    // On the finished response, c.header() copies the whole Response once per call; setting
    // its headers in place, as Hono's own secureHeaders does, saves about a tenth of a page's CPU.
    const headers = c.res.headers;
    headers.set("Content-Security-Policy", csp);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "same-origin");
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (s.secureCookies) headers.set("Strict-Transport-Security", "max-age=31536000");
  };
}

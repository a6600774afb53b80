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
    c.header("Content-Security-Policy", csp);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "same-origin");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (s.secureCookies) c.header("Strict-Transport-Security", "max-age=31536000");
  };
}

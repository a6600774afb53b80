import type { MiddlewareHandler } from "hono";
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { constantTimeEqual, generateToken } from "../auth/tokens.ts";
import type { Services } from "../services.ts";
import { readCookie, writeCookie } from "./cookies.ts";
import type { AppEnv } from "./env.ts";
import { formBody } from "./render.ts";

const CSRF_COOKIE = "cf_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Signed double-submit: a random cookie, and forms carry its HMAC under the server's
 * secret. A cross-site page can neither read the cookie nor forge the HMAC, even if it
 * manages to plant a cookie of its own. API-key requests carry no ambient credential
 * and are exempt.
 */
export function csrf(s: Services): MiddlewareHandler<AppEnv> {
  // A browser sends the same cookie with every request: remember its signature (bounded)
  // instead of computing an HMAC in JavaScript each time.
  const signed = new Map<string, string>();
  const sign = (value: string) => {
    let token = signed.get(value);
    if (token === undefined) {
      token = encodeHexLowerCase(hmac(SHA256, s.secret, new TextEncoder().encode(value)));
      if (signed.size >= 10_000) signed.clear();
      signed.set(value, token);
    }
    return token;
  };
  return async (c, next) => {
    if (c.get("identity")?.via === "api-key") return next();
    let cookie = readCookie(c, s, CSRF_COOKIE);
    const hadCookie = Boolean(cookie);
    if (!cookie) {
      cookie = generateToken();
      writeCookie(c, s, CSRF_COOKIE, cookie);
    }
    c.set("csrfToken", sign(cookie));
    // An anonymous API call carries no session to abuse; the route's role check answers it (401).
    if (SAFE_METHODS.has(c.req.method) || (!c.get("identity") && c.req.path.startsWith("/api/"))) return next();

    const origin = c.req.header("origin");
    if (origin && origin !== new URL(c.req.url).origin && origin !== s.publicUrl) {
      return reject(c, `cross-origin request from ${origin} refused`);
    }
    let sent = c.req.header("x-csrf-token");
    if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(c.req.header("content-type") ?? "")) {
      const field = (await formBody(c))._csrf;
      sent = typeof field === "string" ? field : undefined;
    }
    if (!hadCookie || !sent || !constantTimeEqual(sent, c.get("csrfToken"))) {
      return reject(c, "the form's security token is missing or out of date; reload the page and try again");
    }
    return next();
  };
}

function reject(c: Parameters<MiddlewareHandler<AppEnv>>[0], message: string) {
  return c.req.path.startsWith("/api/") ? c.json({ error: message }, 403) : c.text(`Forbidden: ${message}`, 403);
}

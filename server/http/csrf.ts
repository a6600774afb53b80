import type { Context } from "hono";
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { constantTimeEqual, generateToken } from "../auth/tokens.ts";
import { BoundedMap } from "../bounded-map.ts";
import type { Services } from "../services.ts";
import { readCookie, writeCookie } from "./cookies.ts";
import type { AppEnv } from "./env.ts";
import { formBody } from "./forms.ts";

/*
 * Signed double-submit: a random cookie, and forms carry its HMAC under the server's secret. A
 * cross-site page can neither read the cookie nor forge the HMAC, even if it manages to plant a
 * cookie of its own. API-key requests carry no ambient credential and are exempt.
 */

const CSRF_COOKIE = "cf_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// A browser sends the same cookie with every request: its signature is remembered (bounded)
// instead of computing an HMAC in JavaScript each time.
const signatures = new WeakMap<Services, BoundedMap<string, string>>();

function sign(s: Services, value: string): string {
  let signed = signatures.get(s);
  if (!signed) signatures.set(s, (signed = new BoundedMap(10_000)));
  let token = signed.get(value);
  if (token === undefined) signed.set(value, (token = encodeHexLowerCase(hmac(SHA256, s.secret, new TextEncoder().encode(value)))));
  return token;
}

/**
 * The token this browser's forms carry. The cookie it is derived from is made on first use, by
 * a page with a form, rather than on every request (assets, /health) from a browser without one.
 */
export function csrfToken(c: Context<AppEnv>, s: Services): string {
  let token = c.get("csrfToken");
  if (token === undefined) {
    let cookie = readCookie(c, s, CSRF_COOKIE);
    if (!cookie) writeCookie(c, s, CSRF_COOKIE, (cookie = generateToken()));
    c.set("csrfToken", (token = sign(s, cookie)));
  }
  return token;
}

/**
 * The refusal of a state-changing request that does not prove it comes from this server's pages;
 * undefined when it does. A promise only when the token has to be read from a form body.
 */
export function refuseForgery(c: Context<AppEnv>, s: Services): Response | undefined | Promise<Response | undefined> {
  if (SAFE_METHODS.has(c.req.method) || c.get("identity")?.via === "api-key") return undefined;
  // An anonymous API call carries no session to abuse; the route's role check answers it (401).
  if (!c.get("identity") && c.req.path.startsWith("/api/")) return undefined;

  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin && origin !== s.publicUrl) {
    return refusal(c, `cross-origin request from ${origin} refused`);
  }
  const sent = c.req.header("x-csrf-token");
  if (!sent && /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(c.req.header("content-type") ?? "")) {
    return formBody(c).then(({ _csrf }) => refuseToken(c, s, typeof _csrf === "string" ? _csrf : undefined));
  }
  return refuseToken(c, s, sent);
}

function refuseToken(c: Context<AppEnv>, s: Services, sent: string | undefined): Response | undefined {
  const cookie = readCookie(c, s, CSRF_COOKIE);
  if (cookie && sent && constantTimeEqual(sent, sign(s, cookie))) return undefined;
  return refusal(c, "the form's security token is missing or out of date; reload the page and try again");
}

function refusal(c: Context<AppEnv>, message: string): Response {
  return c.req.path.startsWith("/api/") ? c.json({ error: message }, 403) : c.text(`Forbidden: ${message}`, 403);
}

import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

/** On HTTPS the __Host- prefix pins a cookie to this exact origin and requires Secure. */
export function cookieName(base: string, s: Services): string {
  return s.secureCookies ? `__Host-${base}` : base;
}

export function readCookie(c: Context, s: Services, base: string): string | undefined {
  return getCookie(c, cookieName(base, s));
}

export function writeCookie(c: Context<AppEnv>, s: Services, base: string, value: string, expires?: Date): void {
  c.set("cookiesWritten", true);
  setCookie(c, cookieName(base, s), value, { path: "/", httpOnly: true, sameSite: "Lax", secure: s.secureCookies, expires });
}

export function clearCookie(c: Context<AppEnv>, s: Services, base: string): void {
  c.set("cookiesWritten", true);
  deleteCookie(c, cookieName(base, s), { path: "/", secure: s.secureCookies });
}

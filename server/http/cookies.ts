import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Services } from "../services.ts";

/** On HTTPS the __Host- prefix pins a cookie to this exact origin and requires Secure. */
export function cookieName(base: string, s: Services): string {
  return s.secureCookies ? `__Host-${base}` : base;
}

export function readCookie(c: Context, s: Services, base: string): string | undefined {
  return getCookie(c, cookieName(base, s));
}

export function writeCookie(c: Context, s: Services, base: string, value: string, expires?: Date): void {
  setCookie(c, cookieName(base, s), value, { path: "/", httpOnly: true, sameSite: "Lax", secure: s.secureCookies, expires });
}

export function clearCookie(c: Context, s: Services, base: string): void {
  deleteCookie(c, cookieName(base, s), { path: "/", secure: s.secureCookies });
}

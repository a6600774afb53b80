import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { parse } from "hono/utils/cookie";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

/** On HTTPS the __Host- prefix pins a cookie to this exact origin and requires Secure. */
export function cookieName(base: string, s: Services): string {
  return s.secureCookies ? `__Host-${base}` : base;
}

/** The Cookie header is parsed once per request, however many cookies are read from it. */
export function readCookie(c: Context<AppEnv>, s: Services, base: string): string | undefined {
  let jar = c.get("cookies");
  if (!jar) c.set("cookies", (jar = parse(c.req.header("cookie") ?? "")));
  return jar[cookieName(base, s)];
}

export function writeCookie(c: Context<AppEnv>, s: Services, base: string, value: string, expires?: Date): void {
  c.set("cookiesWritten", true);
  setCookie(c, cookieName(base, s), value, { path: "/", httpOnly: true, sameSite: "Lax", secure: s.secureCookies, expires });
}

export function clearCookie(c: Context<AppEnv>, s: Services, base: string): void {
  c.set("cookiesWritten", true);
  deleteCookie(c, cookieName(base, s), { path: "/", secure: s.secureCookies });
}

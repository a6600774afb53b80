import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { parse } from "hono/utils/cookie";
import { BoundedMap } from "../bounded-map.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

/** On HTTPS the __Host- prefix pins a cookie to this exact origin and requires Secure. */
export function cookieName(base: string, s: Services): string {
  return s.secureCookies ? `__Host-${base}` : base;
}

// A browser sends the same Cookie header with request after request: its parse is remembered
// (bounded in count and length: ours take ~120 characters), and each request looks it up once
// however many cookies it reads.
const jars = new BoundedMap<string, Readonly<Record<string, string>>>(10_000);
const JAR_HEADER_KEPT = 1024;

export function readCookie(c: Context<AppEnv>, s: Services, base: string): string | undefined {
  let jar = c.get("cookies");
  if (!jar) c.set("cookies", (jar = jarOf(c.req.header("cookie") ?? "")));
  return jar[cookieName(base, s)];
}

function jarOf(header: string): Readonly<Record<string, string>> {
  if (header.length > JAR_HEADER_KEPT) return parse(header);
  let jar = jars.get(header);
  if (!jar) jars.set(header, (jar = Object.freeze(parse(header))));
  return jar;
}

export function writeCookie(c: Context<AppEnv>, s: Services, base: string, value: string, expires?: Date): void {
  c.set("cookiesWritten", true);
  setCookie(c, cookieName(base, s), value, { path: "/", httpOnly: true, sameSite: "Lax", secure: s.secureCookies, expires });
}

export function clearCookie(c: Context<AppEnv>, s: Services, base: string): void {
  c.set("cookiesWritten", true);
  deleteCookie(c, cookieName(base, s), { path: "/", secure: s.secureCookies });
}

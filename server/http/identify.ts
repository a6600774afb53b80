import type { Context } from "hono";
import type { Services } from "../services.ts";
import { clearCookie, readCookie, writeCookie } from "./cookies.ts";
import type { AppEnv } from "./env.ts";

export const SESSION_COOKIE = "cf_session";

/**
 * Works out who is calling, from a Bearer API key or the session cookie, and sets the "identity"
 * variable; answers an API key that is not valid itself (401), whatever the route. Returns no
 * promise for a session the server already knows (see guarded() in routes.ts for why).
 */
export function identify(c: Context<AppEnv>, s: Services): Response | undefined | Promise<Response | undefined> {
  c.set("identity", null);
  const authorization = c.req.header("authorization");
  if (authorization) return identifyByKey(c, s, authorization);
  const token = readCookie(c, s, SESSION_COOKIE);
  if (!token) return undefined;
  const known = s.sessions.known(token);
  if (!known || known.user.disabled) return identifyBySession(c, s, token);
  c.set("identity", { user: known.user, via: "session", sessionId: known.session.id });
  return undefined;
}

async function identifyByKey(c: Context<AppEnv>, s: Services, authorization: string): Promise<Response | undefined> {
  const match = authorization.match(/^Bearer\s+(\S+)$/i);
  const userId = match ? await s.apiKeys.authenticate(match[1]) : null;
  const user = userId === null ? undefined : await s.users.byId(userId);
  if (!user || user.disabled) return c.json({ error: "invalid or revoked API key" }, 401, { "WWW-Authenticate": 'Bearer realm="coderflow"' });
  c.set("identity", { user, via: "api-key" });
  return undefined;
}

async function identifyBySession(c: Context<AppEnv>, s: Services, token: string): Promise<undefined> {
  const result = await s.sessions.validate(token);
  if (result && !result.user.disabled) {
    c.set("identity", { user: result.user, via: "session", sessionId: result.session.id });
    if (result.renewed) writeCookie(c, s, SESSION_COOKIE, token, new Date(result.session.expiresAt));
  } else {
    clearCookie(c, s, SESSION_COOKIE);
  }
  return undefined;
}

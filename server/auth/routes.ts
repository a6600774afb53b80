import type { Context } from "hono";
import { verifyPassword } from "./password.ts";
import { UserError } from "./users.ts";
import { SESSION_LIFETIME } from "./sessions.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "../http/env.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import { clearCookie, writeCookie } from "../http/cookies.ts";
import { SESSION_COOKIE } from "../http/identify.ts";
import { formFields } from "../http/forms.ts";
import { render } from "../http/render.ts";

const LOCAL_ORIGIN = "http://local.invalid";

/**
 * Only paths on this server: an open redirect would turn the login page into a phishing aid.
 * Parsed as a browser reads the Location header, which drops tabs and newlines ("/\t/evil")
 * and treats "\\" as "/", so no spelling of "//host" gets through.
 */
function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/")) return "/";
  try {
    const url = new URL(next, LOCAL_ORIGIN);
    return url.origin === LOCAL_ORIGIN ? url.pathname + url.search + url.hash : "/";
  } catch {
    return "/";
  }
}

function clientKey(c: Context<AppEnv>, s: Services): string {
  if (s.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return s.clientAddress(c);
}

export function authRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/login", "public", (c) => {
    if (c.get("identity")) return c.redirect(safeNext(c.req.query("next")), 303);
    return render(c, s, "login", { next: safeNext(c.req.query("next")), username: "", error: null });
  });

  r.post("/login", "public", async (c) => {
    const form = await formFields(c);
    const username = (form.username ?? "").trim();
    const next = safeNext(form.next);
    const address = clientKey(c, s);
    const accountKey = username.toLowerCase();
    const wait = Math.max(s.throttles.account.retryAfter(accountKey), s.throttles.address.retryAfter(address));
    const fail = (error: string, status: 401 | 429, headers?: Record<string, string>) => render(c, s, "login", { next, username, error }, status, headers);
    if (wait > 0) {
      s.log.warn("login.throttled", { username, address });
      return fail(`Too many failed sign-ins. Try again in ${Math.ceil(wait / 1000)} seconds.`, 429, { "Retry-After": String(Math.ceil(wait / 1000)) });
    }
    // Counted as failed until the password checks out: were it counted after the slow hash,
    // a burst of parallel guesses would all pass the check above.
    s.throttles.account.fail(accountKey);
    s.throttles.address.fail(address);
    const user = username ? await s.users.byUsername(username) : undefined;
    const hash = user && !user.disabled ? await s.users.passwordHash(user.id) : undefined;
    // Verify even for unknown users, so response time does not reveal which usernames exist.
    const ok = await verifyPassword(form.password ?? "", hash ?? DUMMY_HASH);
    if (!user || !hash || !ok) {
      s.log.warn("login.failed", { username, address });
      return fail("Wrong username or password, or the account is disabled.", 401);
    }
    s.throttles.account.succeed(accountKey);
    s.throttles.address.forgive(address);
    const { token, session } = await s.sessions.create(user.id);
    writeCookie(c, s, SESSION_COOKIE, token, new Date(session.expiresAt));
    s.log.info("login", { username: user.username, address });
    return c.redirect(next, 303);
  });

  r.post("/logout", "viewer", async (c) => {
    const identity = c.get("identity")!;
    if (identity.sessionId) await s.sessions.invalidate(identity.sessionId);
    clearCookie(c, s, SESSION_COOKIE);
    return c.redirect("/login", 303);
  });

  r.get("/account", "viewer", async (c) => accountPage(c, s));

  r.post("/account/password", "viewer", async (c) => {
    const form = await formFields(c);
    const user = c.get("identity")!.user;
    const hash = await s.users.passwordHash(user.id);
    if (!hash || !(await verifyPassword(form.current_password ?? "", hash))) {
      return accountPage(c, s, { error: "The current password is wrong." }, 400);
    }
    if (form.new_password !== form.confirm_password) return accountPage(c, s, { error: "The new passwords do not match." }, 400);
    try {
      await s.users.setPassword(user.id, form.new_password ?? "");
    } catch (err) {
      if (err instanceof UserError) return accountPage(c, s, { error: err.message }, 400);
      throw err;
    }
    // setPassword ended every session, this one too: start a fresh one so the user stays signed in.
    const { token, session } = await s.sessions.create(user.id);
    writeCookie(c, s, SESSION_COOKIE, token, new Date(session.expiresAt));
    return c.redirect("/account?changed=password", 303);
  });

  r.post("/account/api-keys", "viewer", async (c) => {
    const form = await formFields(c);
    try {
      const { key } = await s.apiKeys.create(c.get("identity")!.user.id, form.name ?? "");
      return accountPage(c, s, { newKey: key }, 201);
    } catch (err) {
      if (err instanceof UserError) return accountPage(c, s, { error: err.message }, 400);
      throw err;
    }
  });

  r.post("/account/api-keys/:id/revoke", "viewer", async (c) => {
    await s.apiKeys.revoke(Number(c.req.param("id")), c.get("identity")!.user.id);
    return c.redirect("/account", 303);
  });
}

async function accountPage(c: Context<AppEnv>, s: Services, extra: { error?: string; newKey?: string } = {}, status: 200 | 201 | 400 = 200) {
  const keys = await s.apiKeys.list(c.get("identity")!.user.id);
  return render(c, s, "account", { keys, error: extra.error ?? null, newKey: extra.newKey ?? null, changed: c.req.query("changed") ?? null, sessionDays: SESSION_LIFETIME / 86_400_000 }, status);
}

// A valid scrypt hash of a random password nobody knows.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$zF0ZpxK2mR3I2S+4GZbXqOHiBvTp3rUa6xQ1hLw2H0c=";

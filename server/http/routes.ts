import type { Context, Handler, Hono, MiddlewareHandler } from "hono";
import { roleAllows, type Access } from "../auth/roles.ts";
import type { AppEnv } from "./env.ts";

export interface RouteRule {
  method: string;
  path: string;
  access: Access;
}

/**
 * The only way routes are added to the app: each one states who may use it, and the
 * rule is enforced here, before any handler runs. The rules list is what the role
 * tests walk, so a route cannot exist without one.
 */
export class GuardedRoutes {
  readonly rules: RouteRule[] = [];

  constructor(private app: Hono<AppEnv>) {}

  on(method: string, path: string, access: Access, ...handlers: (Handler<AppEnv> | MiddlewareHandler<AppEnv>)[]): this {
    this.rules.push({ method, path, access });
    this.app.on(method, path, requireAccess(access), ...(handlers as [Handler<AppEnv>]));
    return this;
  }

  get(path: string, access: Access, ...handlers: (Handler<AppEnv> | MiddlewareHandler<AppEnv>)[]): this {
    return this.on("GET", path, access, ...handlers);
  }

  post(path: string, access: Access, ...handlers: (Handler<AppEnv> | MiddlewareHandler<AppEnv>)[]): this {
    return this.on("POST", path, access, ...handlers);
  }

  delete(path: string, access: Access, ...handlers: (Handler<AppEnv> | MiddlewareHandler<AppEnv>)[]): this {
    return this.on("DELETE", path, access, ...handlers);
  }
}

export function wantsJson(c: Context): boolean {
  return c.req.path.startsWith("/api/") || c.req.path === "/health";
}

function requireAccess(access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access === "public") return next();
    const identity = c.get("identity");
    if (!identity) {
      if (wantsJson(c)) return c.json({ error: "authentication required: sign in or send Authorization: Bearer <api key>" }, 401);
      const target = c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : "/";
      return c.redirect(`/login?next=${encodeURIComponent(target)}`, 303);
    }
    if (!roleAllows(identity.user.role, access)) {
      const message = `this needs the ${access} role; you are ${identity.user.role}`;
      return wantsJson(c) ? c.json({ error: message }, 403) : c.text(`Forbidden: ${message}`, 403);
    }
    return next();
  };
}

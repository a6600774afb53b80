import type { Context, Hono } from "hono";
import { roleAllows, type Access } from "../auth/roles.ts";
import type { Services } from "../services.ts";
import { refuseForgery } from "./csrf.ts";
import type { AppEnv } from "./env.ts";
import { identify } from "./identify.ts";
import { then } from "./maybe-async.ts";
import { withSecurityHeaders } from "./security-headers.ts";

export interface RouteRule {
  method: string;
  path: string;
  access: Access;
}

export type RouteHandler = (c: Context<AppEnv>) => Response | Promise<Response>;

/**
 * The only way routes are added to the app: each one states who may use it, and the
 * rule is enforced here, before any handler runs. The rules list is what the role
 * tests walk, so a route cannot exist without one.
 */
export class GuardedRoutes {
  readonly rules: RouteRule[] = [];

  constructor(
    private app: Hono<AppEnv>,
    private s: Services,
  ) {}

  on(method: string, path: string, access: Access, handler: RouteHandler): this {
    this.rules.push({ method, path, access });
    this.app.on(method, path, guarded(this.s, access, handler));
    return this;
  }

  get(path: string, access: Access, handler: RouteHandler): this {
    return this.on("GET", path, access, handler);
  }

  post(path: string, access: Access, handler: RouteHandler): this {
    return this.on("POST", path, access, handler);
  }

  delete(path: string, access: Access, handler: RouteHandler): this {
    return this.on("DELETE", path, access, handler);
  }
}

/**
 * Everything a request goes through, wrapped around its route's handler: who is calling, the
 * CSRF check, the role, then the security headers on the answer. One function rather than a
 * chain of app.use() middleware, and each step hands back a promise only when it has to wait:
 * Hono calls a route's only handler directly, and for a signed-in page every step that is a
 * promise (an await, an async layer) was a measurable part of its cost.
 */
function guarded(s: Services, access: Access, handler: RouteHandler): RouteHandler {
  return (c) => {
    const started = performance.now();
    const finish = (res: Response) => {
      if (res.status >= 500) s.log.error("request.failed", { method: c.req.method, path: c.req.path, status: res.status, ms: Math.round(performance.now() - started) });
      return withSecurityHeaders(c, s, res);
    };
    const from = (step: number): Response | Promise<Response> =>
      step === CHECKS.length ? then(handler(c), finish) : then(CHECKS[step](c, s, access), (refused) => (refused ? finish(refused) : from(step + 1)));
    return from(0);
  };
}

/** What a request passes before its handler, in order: each answers it (a refusal) or lets it go on (undefined). */
const CHECKS: ((c: Context<AppEnv>, s: Services, access: Access) => Response | undefined | Promise<Response | undefined>)[] = [identify, refuseForgery, refuseAccess];

export function wantsJson(c: Context): boolean {
  return c.req.path.startsWith("/api/") || c.req.path === "/health";
}

function refuseAccess(c: Context<AppEnv>, _s: Services, access: Access): Response | undefined {
  if (access === "public") return undefined;
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
  return undefined;
}

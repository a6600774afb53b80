import { Hono } from "hono";
import { adminRoutes } from "./admin/routes.ts";
import { accountApi } from "./auth/api.ts";
import { authRoutes } from "./auth/routes.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { environmentRoutes } from "./environments/routes.ts";
import { taskRoutes } from "./tasks/routes.ts";
import { healthRoutes } from "./health/routes.ts";
import type { AppEnv } from "./http/env.ts";
import { RequestError } from "./http/request-error.ts";
import { GuardedRoutes, wantsJson } from "./http/routes.ts";
import { withSecurityHeaders } from "./http/security-headers.ts";
import type { Services } from "./services.ts";
import { staticRoutes } from "./static/routes.ts";

/** Builds the web app from its services. Runtime-neutral: web Request/Response only. */
export function createApp(s: Services) {
  const app = new Hono<AppEnv>();
  const routes = new GuardedRoutes(app, s);
  for (const add of [healthRoutes, staticRoutes, authRoutes, accountApi, dashboardRoutes, adminRoutes, environmentRoutes, taskRoutes]) add(routes, s);

  app.notFound((c) => withSecurityHeaders(c, s, wantsJson(c) ? c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404) : c.text("Not found", 404)));
  app.onError((err, c) => {
    if (err instanceof RequestError) return withSecurityHeaders(c, s, wantsJson(c) ? c.json({ error: err.message }, err.status) : c.text(err.message, err.status));
    s.log.error("request.error", { method: c.req.method, path: c.req.path, error: err.message, stack: err.stack });
    return withSecurityHeaders(c, s, wantsJson(c) ? c.json({ error: "internal error; see the server log" }, 500) : c.text("Internal error; see the server log", 500));
  });
  return { app, rules: routes.rules };
}

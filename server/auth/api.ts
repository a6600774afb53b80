import { UserError, type User } from "./users.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";

const publicUser = (u: User) => ({ id: u.id, username: u.username, email: u.email, name: u.name, role: u.role, disabled: u.disabled, created_at: new Date(u.created_at).toISOString() });

/** JSON endpoints for accounts and keys; the same rules as the pages. */
export function accountApi(r: GuardedRoutes, s: Services): void {
  r.get("/api/me", "viewer", (c) => c.json(publicUser(c.get("identity")!.user)));

  r.get("/api/users", "admin", async (c) => c.json((await s.users.list()).map(publicUser)));
  r.post("/api/users", "admin", async (c) => {
    const body = await c.req.json().catch(() => null);
    if (!body || typeof body !== "object") return c.json({ error: "request body must be a JSON object" }, 400);
    try {
      return c.json(publicUser(await s.users.create(body)), 201);
    } catch (err) {
      if (err instanceof UserError) return c.json({ error: err.message, field: err.field }, err.field === "license" ? 403 : 400);
      throw err;
    }
  });

  r.get("/api/api-keys", "viewer", async (c) => c.json(await s.apiKeys.list(c.get("identity")!.user.id)));
  r.post("/api/api-keys", "viewer", async (c) => {
    const body = await c.req.json().catch(() => ({}));
    try {
      const { key, apiKey } = await s.apiKeys.create(c.get("identity")!.user.id, body?.name);
      return c.json({ ...apiKey, key }, 201);
    } catch (err) {
      if (err instanceof UserError) return c.json({ error: err.message, field: err.field }, 400);
      throw err;
    }
  });
  r.delete("/api/api-keys/:id", "viewer", async (c) => {
    const revoked = await s.apiKeys.revoke(Number(c.req.param("id")), c.get("identity")!.user.id);
    return revoked ? c.body(null, 204) : c.json({ error: `no live API key ${c.req.param("id")} of yours` }, 404);
  });
}

import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";
import { VERSION } from "../version.ts";

export function healthRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/health", "public", async (c) => {
    const [db, docker] = await Promise.all([
      s.db.get("SELECT 1").then(() => ({ ok: true }), (err: Error) => ({ ok: false, error: err.message })),
      s.docker.ping(),
    ]);
    const status = db.ok ? (docker.ok ? "ok" : "degraded") : "error";
    return c.json({ status, version: VERSION, db, docker }, db.ok ? 200 : 503, { "Cache-Control": "no-store" });
  });
}

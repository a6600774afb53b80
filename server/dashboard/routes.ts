import { render } from "../http/render.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";

export function dashboardRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/", "viewer", async (c) => {
    const [docker, license] = await Promise.all([s.docker.ping(), s.license.status()]);
    return render(c, s, "dashboard", { docker, license });
  });
}

import { all, then } from "../http/maybe-async.ts";
import { renderReusing } from "../http/render.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";

export function dashboardRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/", "viewer", (c) =>
    then(all([s.docker.ping(), s.license.status(), s.tasks.recent(8)] as const), ([docker, license, tasks]) => {
      const environments = s.registry.list();
      // Each value is a primitive or comes from a cache that replaces rather than edits it, as
      // renderReusing needs.
      return renderReusing(c, s, "dashboard", {
        docker,
        license,
        tasks,
        // The rows refresh themselves while a task runs; they ask for the same eight.
        query: "?limit=8",
        environmentsTotal: environments.length,
        environmentsBroken: environments.filter((e) => e.problems.length > 0).length,
        setupFailure: s.registry.failure,
      });
    }),
  );
}

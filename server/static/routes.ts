import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";

export function staticRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/static/:version/:name", "public", (c) => {
    const asset = s.assets.files.get(c.req.param("name") ?? "");
    if (!asset) return c.notFound();
    // An old version in the URL still gets today's file, but must not be cached as if it were the old one.
    const cache = c.req.param("version") === s.assets.version ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { "Content-Type": asset.type, "Cache-Control": cache });
  });
}

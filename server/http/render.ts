import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { VERSION } from "../version.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";

/** Renders a view with what every page's layout needs: the user, the CSRF token, asset URLs. */
export function render(c: Context<AppEnv>, s: Services, view: string, data: object = {}, status: ContentfulStatusCode = 200) {
  const html = s.views.render(view, {
    ...data,
    user: c.var.identity?.user ?? null,
    csrf: c.var.csrfToken,
    asset: (name: string) => s.assets.url(name),
    path: c.req.path,
    version: VERSION,
  });
  return c.html(html, status, { "Cache-Control": "no-store" });
}

/** Reads a urlencoded or multipart form as plain strings (files are ignored here). */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") fields[key] = value;
  return fields;
}

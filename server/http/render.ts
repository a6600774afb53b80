import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { VERSION } from "../version.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";
import { csrfToken } from "./csrf.ts";
import { headerSetsOf } from "./security-headers.ts";

/**
 * Renders a view with what every page's layout needs: the user, the CSRF token, asset URLs.
 * A page's own headers go in `headers` and its cookies through cookies.ts; a c.header() call
 * made before would be lost (see page()).
 */
export function render(c: Context<AppEnv>, s: Services, view: string, data: object = {}, status: ContentfulStatusCode = 200, headers?: Record<string, string>) {
  return page(c, s, s.views.render(view, layoutData(c, s, data)), status, headers);
}

/**
 * The same, handing back this browser's last HTML of the view (the CSRF token in the key) while
 * every value in `data` is unchanged (Views.renderReusing), for pages opened all day long.
 */
export function renderReusing(c: Context<AppEnv>, s: Services, view: string, data: Record<string, unknown>) {
  const full = layoutData(c, s, data);
  return page(c, s, s.views.renderReusing(`${view}\n${full.csrf}\n${full.path}`, view, full), 200);
}

function layoutData(c: Context<AppEnv>, s: Services, data: object): Record<string, unknown> {
  // Not `{ ...data, user, ... }`: on Node 20 each property written after a spread takes V8's
  // slow path, ~1 µs apiece; this object was 14 µs of every page. Object.assign is ~0.4 µs.
  return Object.assign({}, data, {
    user: c.get("identity")?.user ?? null,
    csrf: csrfToken(c, s),
    asset: s.assets.url,
    path: c.req.path,
    // For commands shown to copy (curl): the address people use, behind a proxy too.
    origin: s.publicUrl ?? originOf(c.req.url),
    version: VERSION,
  });
}

/** The request URL is absolute: its origin is everything before the path's first slash. */
function originOf(url: string): string {
  return url.slice(0, url.indexOf("/", url.indexOf("//") + 2));
}

/**
 * @hono/node-server writes a Response whose headers are a plain object straight to the socket,
 * but c.html() with more than one header builds a Headers object and the security middleware then
 * edits it: together about a quarter of a page's cost. So a page is built here whole, the
 * security headers included, unless a cookie was written: Hono holds those until it builds the
 * response, so such a page goes through c.html(), which adds them.
 */
function page(c: Context<AppEnv>, s: Services, html: string, status: ContentfulStatusCode, headers?: Record<string, string>): Response {
  if (c.get("cookiesWritten")) return c.html(html, status, { "Cache-Control": "no-store", ...headers });
  c.set("secured", true);
  const pageHeaders = headerSetsOf(s).page;
  return new Response(html, { status, headers: headers ? { ...pageHeaders, ...headers } : pageHeaders });
}

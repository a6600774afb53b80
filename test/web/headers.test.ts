import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FormClient, signedInClient } from "../helpers/browser-session.ts";
import { appRoutes } from "../helpers/routes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

const FRAME_ANCESTORS = "'self' https://portal.example.test";
const VERSION = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

let server: TestServer;
let admin: FormClient;
/** Every page an admin can open without parameters, with its HTML. */
let pages: { path: string; html: string }[];

test.before(reported(async () => {
  server = await startTestServer({ env: { CODERFLOW_FRAME_ANCESTORS: FRAME_ANCESTORS } });
  await server.createUser("root", "admin");
  admin = await signedInClient(server, "root");
  const { rules } = await appRoutes();
  const paths = rules.filter((r) => r.method === "GET" && !r.path.includes(":") && !r.path.startsWith("/api/") && r.path !== "/health").map((r) => r.path);
  pages = [{ path: "/login (signed out)", html: (await new FormClient(server.url).page("/login")).html }];
  for (const path of paths) {
    const { res, html } = await admin.page(path);
    if (res.status === 200) pages.push({ path, html });
  }
}));

test.after(() => server.stop());

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
}

test("every answer carries a CSP without inline script, nosniff, and the configured frame-ancestors", async () => {
  const anonymous = new FormClient(server.url);
  const answers = [await admin.request("/"), await anonymous.request("/login"), await anonymous.request("/health"), await anonymous.request("/no/such/page"), await anonymous.request("/api/me")];
  for (const res of answers) {
    const label = `${res.url} (${res.status})`;
    const csp = res.headers.get("content-security-policy");
    assert.ok(csp, `CSP on ${label}`);
    const policy = directives(csp);
    const scriptSrc = policy.get("script-src") ?? policy.get("default-src");
    assert.ok(scriptSrc, `script-src or default-src on ${label}`);
    assert.not.ok(scriptSrc.includes("'unsafe-inline'") || scriptSrc.includes("'unsafe-eval'"), `script-src ${scriptSrc.join(" ")} on ${label}`);
    assert.is(policy.get("frame-ancestors")?.join(" "), FRAME_ANCESTORS, label);
    assert.is(res.headers.get("x-content-type-options"), "nosniff", label);
  }
});

test("pages need nothing the CSP forbids: no inline scripts, event handler attributes or inline styles", () => {
  assert.ok(pages.length >= 5, `pages checked: ${pages.map((p) => p.path)}`);
  for (const { path, html } of pages) {
    assert.not.match(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `inline <script> on ${path}`);
    assert.not.match(html, /\son[a-z]+\s*=/i, `event handler attribute on ${path}`);
    assert.not.match(html, /\sstyle\s*=|<style[\s>]/i, `inline style on ${path}`);
  }
});

test("no page or asset loads anything from another host", async () => {
  for (const { path, html } of pages) {
    assert.not.match(html, /\s(src|href|action|hx-get|hx-post)\s*=\s*["']?(https?:)?\/\//i, `external reference on ${path}`);
  }
  const css = await (await admin.request(assetUrls(pages[0].html).find((u) => u.endsWith("/app.css"))!)).text();
  assert.not.match(css, /@import|url\(\s*["']?(https?:)?\/\//i, "the stylesheet loads nothing from elsewhere");
});

function assetUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1]);
}

test("assets are served by this server under a versioned URL, cached as immutable; htmx is one of them", async () => {
  const urls = assetUrls(pages[0].html);
  assert.ok(urls.some((u) => u.endsWith("/htmx.min.js")), `htmx is linked from this server: ${urls}`);
  const version = urls[0].split("/")[2];
  for (const url of urls) {
    assert.match(url, new RegExp(`^/static/${version}/[\\w.-]+$`), "one version for all assets");
    const res = await admin.request(url);
    assert.is(res.status, 200, url);
    assert.match(res.headers.get("cache-control") ?? "", /max-age=31536000.*immutable|immutable.*max-age=31536000/, url);
    assert.match(res.headers.get("content-type") ?? "", /^text\/(css|javascript)/, url);
    if (url.endsWith("/htmx.min.js")) {
      const shipped = readFileSync(new URL("../../node_modules/htmx.org/dist/htmx.min.js", import.meta.url));
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(shipped), "the htmx file is the package's own");
    } else await res.arrayBuffer();
  }
  const stale = await admin.request(urls[0].replace(version, "0000stale000"));
  assert.is(stale.status, 200);
  assert.is(stale.headers.get("cache-control"), "no-cache", "an old version in the URL is not cached as if current");
  assert.is((await admin.request(`/static/${version}/no-such-file.js`)).status, 404);
});

test("/health answers without authentication, with the version, the database and Docker", async () => {
  const res = await fetch(new URL("/health", server.url));
  assert.is(res.status, 200);
  assert.match(res.headers.get("cache-control") ?? "", "no-store");
  const body = (await res.json()) as { status: string; version: string; db: { ok: boolean }; docker: { ok: boolean; error?: string } };
  assert.is(body.version, VERSION);
  assert.is(body.db.ok, true);
  assert.type(body.docker.ok, "boolean");
  assert.is(body.status, body.docker.ok ? "ok" : "degraded");
});

test("an unreachable Docker is reported by /health and the dashboard, not fatal", async () => {
  // The Docker client reads DOCKER_HOST when the server starts; point this one at nothing.
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
  let dockerless: TestServer;
  try {
    dockerless = await startTestServer();
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
  try {
    const res = await fetch(new URL("/health", dockerless.url));
    assert.is(res.status, 200);
    const body = (await res.json()) as { status: string; db: { ok: boolean }; docker: { ok: boolean; error?: string } };
    assert.is(body.status, "degraded");
    assert.is(body.db.ok, true);
    assert.is(body.docker.ok, false);
    assert.ok(body.docker.error, "the reason is given");
    await dockerless.createUser("root", "admin");
    const { res: page, html } = await (await signedInClient(dockerless, "root")).page("/");
    assert.is(page.status, 200);
    assert.match(html, "Docker is unreachable");
  } finally {
    await dockerless.stop();
  }
});

test.run();

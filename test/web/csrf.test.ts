import { test } from "uvu";
import * as assert from "uvu/assert";
import type { RouteRule } from "../../server/http/routes.ts";
import { FormClient, signedInClient } from "../helpers/browser-session.ts";
import { appRoutes, fillPath, isStateChanging } from "../helpers/routes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

let server: TestServer;
let rules: RouteRule[];
/** A token that is genuine, but signed for another browser's CSRF cookie. */
let foreignToken: string;

test.before(reported(async () => {
  [server, { rules }] = await Promise.all([startTestServer(), appRoutes()]);
  await server.createUser("root", "admin");
  const stranger = new FormClient(server.url);
  await stranger.page("/login");
  foreignToken = stranger.csrf;
}));

test.after(() => server.stop());

type TokenSent = "none" | "foreign" | "form field" | "header";

/**
 * Sends a state-changing request as a freshly signed-in admin (so no role check gets in
 * the way, and /logout cannot spoil the next attempt). Params name nothing: the handlers
 * answer 404 or 400, which is enough to show the request got past the CSRF check.
 */
async function send(rule: RouteRule, token: TokenSent): Promise<Response> {
  const client = await signedInClient(server, "root");
  const path = fillPath(rule.path, (param) => `no-such-${param}`);
  const value = token === "foreign" ? foreignToken : client.csrf;
  // API routes take JSON, so a token can only travel in the header there; forms carry it in a field.
  const inHeader = token === "header" || (token === "foreign" && isApi(rule));
  const inField = token === "form field" || (token === "foreign" && !isApi(rule));
  const headers: Record<string, string> = inHeader ? { "x-csrf-token": value } : {};
  if (isApi(rule)) return client.request(path, { method: rule.method, body: "{}", headers: { ...headers, "content-type": "application/json" } });
  const body = new URLSearchParams(inField ? { _csrf: value } : {});
  return client.request(path, { method: rule.method, body, headers: { ...headers, "content-type": "application/x-www-form-urlencoded" } });
}

const isApi = (rule: RouteRule) => rule.path.startsWith("/api/");

test("every state-changing route refuses a missing or foreign token (403) and accepts the right one", async () => {
  const changing = rules.filter(isStateChanging);
  assert.ok(changing.length >= 10, `only ${changing.length} state-changing routes found`);
  const wrong: string[] = [];
  for (const rule of changing) {
    const route = `${rule.method} ${rule.path}`;
    const ways: TokenSent[] = isApi(rule) ? ["none", "foreign", "header"] : ["none", "foreign", "form field", "header"];
    for (const way of ways) {
      const res = await send(rule, way);
      const text = await res.text();
      const refused = res.status === 403 && /security token/.test(text);
      const shouldRefuse = way === "none" || way === "foreign";
      if (refused !== shouldRefuse) wrong.push(`${route} with token ${way}: ${res.status} ${text.slice(0, 120)}`);
    }
  }
  assert.equal(wrong, []);
});

test("a request from a foreign Origin is refused even with the right token", async () => {
  const client = await signedInClient(server, "root");
  for (const origin of ["https://evil.example", "null", server.url.replace("127.0.0.1", "localhost")]) {
    const res = await client.request("/account/api-keys", {
      method: "POST",
      body: new URLSearchParams({ _csrf: client.csrf, name: "from elsewhere" }),
      headers: { origin, "content-type": "application/x-www-form-urlencoded" },
    });
    assert.is(res.status, 403, origin);
    assert.match(await res.text(), "cross-origin request", origin);
  }
  const same = await client.request("/account/api-keys", {
    method: "POST",
    body: new URLSearchParams({ _csrf: client.csrf, name: "same origin" }),
    headers: { origin: new URL(server.url).origin, "content-type": "application/x-www-form-urlencoded" },
  });
  assert.is(same.status, 201);
});

test("the X-CSRF-Token header that htmx sends is enough on its own", async () => {
  const client = await signedInClient(server, "root");
  const res = await client.request("/account/api-keys", {
    method: "POST",
    body: new URLSearchParams({ name: "made by htmx" }),
    headers: { "x-csrf-token": client.csrf, "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
  });
  assert.is(res.status, 201);
  assert.match(await res.text(), /id="new-api-key">cfk_/);
});

test("the page hands htmx its token: the body's hx-headers carries the same token as the forms", async () => {
  const client = await signedInClient(server, "root");
  const { html } = await client.page("/account");
  const inherited = html.match(/hx-headers:inherited='\{"X-CSRF-Token": "([^"]+)"\}'/);
  assert.ok(inherited, "the body element sets X-CSRF-Token for htmx");
  assert.is(inherited[1], client.csrf);
});

test("API-key (Bearer) requests need no CSRF token", async () => {
  const key = await server.apiKey("root", "automation");
  const bearer = { authorization: `Bearer ${key}` };
  const created = await fetch(new URL("/api/api-keys", server.url), { method: "POST", body: JSON.stringify({ name: "made by a script" }), headers: { ...bearer, "content-type": "application/json" } });
  assert.is(created.status, 201);
  const { id } = (await created.json()) as { id: number };
  const revoked = await fetch(new URL(`/api/api-keys/${id}`, server.url), { method: "DELETE", headers: bearer });
  assert.is(revoked.status, 204);
});

test("an API call with no credentials at all is told to authenticate (401), not about CSRF", async () => {
  const res = await fetch(new URL("/api/api-keys", server.url), { method: "POST", body: JSON.stringify({ name: "x" }), headers: { "content-type": "application/json" } });
  assert.is(res.status, 401);
  assert.match((await res.json()).error, /authentication required/);
});

test("a signed-in browser's API call without the token is still refused", async () => {
  const client = await signedInClient(server, "root");
  const res = await client.request("/api/api-keys", { method: "POST", body: JSON.stringify({ name: "forged" }), headers: { "content-type": "application/json" } });
  assert.is(res.status, 403);
});

test("the CSRF cookie is made by a page that needs a token, not by every anonymous request", async () => {
  const login = await fetch(`${server.url}/login`);
  const asset = (await login.text()).match(/src="(\/static\/[^"]+)"/)![1];
  assert.match(login.headers.get("set-cookie") ?? "", /^cf_csrf=/, "the login form needs one");
  for (const path of ["/health", asset, "/no-such-page"]) {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
    assert.is(res.headers.get("set-cookie"), null, `${path} (${res.status})`);
  }
});

test.run();

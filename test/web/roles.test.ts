import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Role } from "../../server/auth/roles.ts";
import { SESSION_COOKIE } from "../../server/http/identify.ts";
import type { RouteRule } from "../../server/http/routes.ts";
import { FormClient } from "../helpers/browser-session.ts";
import { appRoutes, fillPath } from "../helpers/routes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

// The ranking is restated here rather than imported, so a mistake in the app's own ordering shows.
const RANK: Record<Role, number> = { viewer: 1, developer: 2, admin: 3 };
const ROLES = Object.keys(RANK) as Role[];
type Caller = "anonymous" | Role;

interface Person {
  username: string;
  password: string;
  apiKey: string;
  client: FormClient;
}

let server: TestServer;
let rules: RouteRule[];
let registered: string[];
const people = {} as Record<Role, Person>;
let anonymous: FormClient;
let params: { userId: string; keyId: string; assetVersion: string };

test.before(reported(async () => {
  [server, { rules, registered }] = await Promise.all([startTestServer(), appRoutes()]);
  for (const role of ROLES) {
    const { username, password } = await server.createUser(`${role}-user`, role);
    const client = new FormClient(server.url);
    await client.page("/login");
    people[role] = { username, password, apiKey: await server.apiKey(username), client };
  }
  // Admin actions and key revocations land on a bystander, so no caller loses its own access mid-table.
  const target = await server.createUser("target", "developer");
  const spare = await server.accounts((a) => a.apiKeys.create(target.id, "spare"));
  anonymous = new FormClient(server.url);
  const { html } = await anonymous.page("/login");
  const assetVersion = html.match(/\/static\/([^/]+)\/app\.css/)?.[1];
  assert.ok(assetVersion, "the login page links the versioned stylesheet");
  params = { userId: String(target.id), keyId: String(spare.apiKey.id), assetVersion };
}));

test.after(() => server.stop());

/**
 * Users, keys and assets get ids that exist. Any other entity gets a value that names
 * nothing: the guard runs before the handler looks anything up, so a 404 still shows the
 * caller was let through, and no test here starts a build or opens an endless stream.
 */
function concretePath(rule: RouteRule): string {
  return fillPath(rule.path, (param) => {
    if (rule.path.startsWith("/static/")) return param === "version" ? params.assetVersion : "app.css";
    if (rule.path.includes("/api-keys/:id")) return params.keyId;
    if (rule.path.includes("/users/:id")) return params.userId;
    return `no-such-${param}`;
  });
}

/** API routes are called with the caller's API key, pages with a fresh session and the CSRF token. */
async function call(rule: RouteRule, caller: Caller): Promise<Response> {
  const isApi = rule.path.startsWith("/api/");
  const client = caller === "anonymous" ? anonymous : people[caller].client;
  client.cookies.delete(SESSION_COOKIE);
  // Fresh per request: POST /logout ends the session it is sent with.
  if (caller !== "anonymous" && !isApi) client.useSession(await server.session(people[caller].username));
  const headers: Record<string, string> = { "x-csrf-token": client.csrf };
  if (caller !== "anonymous" && isApi) headers.authorization = `Bearer ${people[caller].apiKey}`;
  if (rule.method === "GET") return client.request(concretePath(rule), { headers });
  if (isApi) return client.request(concretePath(rule), { method: rule.method, body: "{}", headers: { ...headers, "content-type": "application/json" } });
  // Signing in is public: give it real credentials, or its own 401 would read as the guard's.
  const who = people[caller === "anonymous" ? "viewer" : caller];
  const fields: Record<string, string> = rule.path === "/login" ? { _csrf: client.csrf, username: who.username, password: who.password } : { _csrf: client.csrf };
  return client.request(concretePath(rule), { method: rule.method, body: new URLSearchParams(fields), headers: { ...headers, "content-type": "application/x-www-form-urlencoded" } });
}

test("every route Hono registered has an access rule, and every rule a route", () => {
  const ruled = rules.map((r) => `${r.method} ${r.path}`);
  assert.equal(
    registered.filter((route) => !ruled.includes(route)),
    [],
    "routes without a rule",
  );
  assert.equal(
    ruled.filter((route) => !registered.includes(route)),
    [],
    "rules without a route",
  );
  assert.is(new Set(ruled).size, ruled.length, "one rule per route");
});

test("the admin area and the user API are admin-only", () => {
  const loose = rules.filter((r) => (r.path === "/admin" || r.path.startsWith("/admin/") || r.path.startsWith("/api/users")) && r.access !== "admin");
  assert.equal(loose, []);
});

test("each route turns away callers below its role (anonymous: 401 or sign-in; signed in: 403) and admits the rest", async () => {
  const wrong: string[] = [];
  for (const rule of rules) {
    for (const caller of ["anonymous", ...ROLES] as Caller[]) {
      const res = await call(rule, caller);
      const text = await res.text();
      const location = res.headers.get("location") ?? "";
      const sentToSignIn = res.status === 303 && location.startsWith("/login?next=");
      const allowed = rule.access === "public" || (caller !== "anonymous" && RANK[caller] >= RANK[rule.access]);
      let ok: boolean;
      if (allowed) ok = res.status !== 401 && res.status !== 403 && !sentToSignIn;
      else if (caller === "anonymous") ok = rule.path.startsWith("/api/") ? res.status === 401 : sentToSignIn;
      else ok = res.status === 403;
      if (!ok) wrong.push(`${rule.method} ${rule.path} (${rule.access}) as ${caller}: ${res.status} ${location} ${text.slice(0, 100)}`);
    }
  }
  assert.equal(wrong, []);
});

test.run();

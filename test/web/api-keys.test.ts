import { test } from "uvu";
import * as assert from "uvu/assert";
import { signedInClient } from "../helpers/browser-session.ts";
import { appRoutes } from "../helpers/routes.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

let server: TestServer;

test.before(reported(async () => {
  server = await startTestServer();
  await server.createUser("vera", "viewer");
  await server.createUser("adam", "admin");
  await server.createUser("dora", "developer");
}));

test.after(() => server.stop());

function api(path: string, key: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });
}

/** The <tr> of the key named `name` in an API key table. */
function keyRow(html: string, name: string): string {
  const row = html.match(new RegExp(`<tr>\\s*<td>${name}</td>[\\s\\S]*?</tr>`));
  assert.ok(row, `a row for key "${name}"`);
  return row[0];
}

const TIMESTAMP = /\d{4}-\d\d-\d\d \d\d:\d\d UTC/g;

test("a key made on the account page is shown once, then listed by its prefix only", async () => {
  const client = await signedInClient(server, "vera");
  const created = await client.submit("/account/api-keys", { name: "laptop CLI" });
  assert.is(created.status, 201);
  const key = (await created.text()).match(/id="new-api-key">([^<]+)</)?.[1];
  assert.ok(key && /^cfk_[a-z2-7]{40}$/.test(key), `a fresh key is shown: ${key}`);

  const { html } = await client.page("/account");
  const row = keyRow(html, "laptop CLI");
  assert.match(row, `<code>${key.slice(0, 10)}…</code>`);
  assert.not.match(html, key.slice(0, 14), "no more of the key than its prefix");
  assert.not.match(html, "new-api-key", "the key is not shown a second time");

  const stored = await server.accounts((a) => a.db.all("SELECT * FROM api_keys"));
  assert.not.match(JSON.stringify(stored), key, "the database holds only the key's hash");
});

test("a Bearer key acts as its owner on /api/me, and its last use shows on the account page", async () => {
  const key = await server.apiKey("vera", "cli");
  const client = await signedInClient(server, "vera");
  const before = keyRow((await client.page("/account")).html, "cli");
  assert.is(before.match(TIMESTAMP)?.length, 1, "created, never used");
  assert.match(before, "<td>never</td>");

  const me = await api("/api/me", key);
  assert.is(me.status, 200);
  const body = (await me.json()) as Record<string, unknown>;
  assert.is(body.username, "vera");
  assert.is(body.role, "viewer");

  const after = keyRow((await client.page("/account")).html, "cli");
  assert.is(after.match(TIMESTAMP)?.length, 2, `created and last used: ${after}`);
  const listed = (await (await api("/api/api-keys", key)).json()) as { name: string; last_used_at: number | null }[];
  assert.ok(Math.abs(Number(listed.find((k) => k.name === "cli")?.last_used_at) - Date.now()) < 60_000, "last_used_at is recent");
});

test("a revoked key is refused with 401; nobody can revoke another user's key", async () => {
  const key = await server.apiKey("vera", "to revoke");
  const adamKey = await server.apiKey("adam", "adam's");
  assert.is((await api("/api/me", key)).status, 200);
  const client = await signedInClient(server, "vera");
  const { html } = await client.page("/account");
  const id = keyRow(html, "to revoke").match(/action="\/account\/api-keys\/(\d+)\/revoke"/)?.[1];
  assert.ok(id, "the row has a revoke form");

  const adamKeys = (await (await api("/api/api-keys", adamKey)).json()) as { id: number; name: string }[];
  const adamKeyId = adamKeys.find((k) => k.name === "adam's")!.id;
  assert.is((await client.submit(`/account/api-keys/${adamKeyId}/revoke`, {})).status, 303);
  assert.is((await api("/api/me", adamKey)).status, 200, "vera's revoke form cannot reach adam's key");
  assert.is((await api(`/api/api-keys/${adamKeyId}`, key, { method: "DELETE" })).status, 404);
  assert.is((await api("/api/me", adamKey)).status, 200, "nor can her API key");

  assert.is((await client.submit(`/account/api-keys/${id}/revoke`, {})).status, 303);
  const refused = await api("/api/me", key);
  assert.is(refused.status, 401);
  assert.match(refused.headers.get("www-authenticate") ?? "", /^Bearer /);
  assert.match(keyRow((await client.page("/account")).html, "to revoke"), /revoked \d{4}-/);
});

test("the key of a disabled user is refused with 401", async () => {
  const key = await server.apiKey("dora");
  assert.is((await api("/api/me", key)).status, 200);
  const dora = (await server.accounts((a) => a.users.byUsername("dora")))!;
  await server.accounts((a) => a.users.setDisabled(dora.id, true));
  const refused = await api("/api/me", key);
  assert.is(refused.status, 401);
  assert.match(refused.headers.get("www-authenticate") ?? "", /^Bearer /);
});

test("an unknown or malformed key gets 401 with WWW-Authenticate, never a page", async () => {
  const headers = ["Bearer garbage", `Bearer cfk_${"a".repeat(40)}`, "Bearer ", "Basic dmVyYTp2ZXJhLXBhc3N3b3JkLTE=", "Bearer cfk_ two-words"];
  for (const authorization of headers) {
    for (const path of ["/api/me", "/api/users"]) {
      const res = await fetch(new URL(path, server.url), { headers: { authorization } });
      assert.is(res.status, 401, `${authorization} on ${path}`);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer realm=/, authorization);
      assert.match(res.headers.get("content-type") ?? "", "application/json");
    }
  }
});

test("a viewer's key cannot use an admin API (403); an admin's can", async () => {
  const viewerKey = await server.apiKey("vera", "viewer-admin-attempt");
  const adminKey = await server.apiKey("adam", "admin-list");
  const listing = await api("/api/users", viewerKey);
  assert.is(listing.status, 403);
  assert.match(((await listing.json()) as { error: string }).error, "needs the admin role");
  const creating = await api("/api/users", viewerKey, {
    method: "POST",
    body: JSON.stringify({ username: "sneaky", email: "sneaky@example.test", name: "S", role: "admin", password: "sneaky-password-1" }),
    headers: { "content-type": "application/json" },
  });
  assert.is(creating.status, 403);
  assert.is(await server.accounts((a) => a.users.byUsername("sneaky")), undefined);
  assert.is((await api("/api/users", adminKey)).status, 200);
});

test("no API answer contains a password hash or a key hash", async () => {
  const key = await server.apiKey("adam", "hash-check");
  const { rules } = await appRoutes();
  const answers: string[] = [];
  for (const rule of rules.filter((r) => r.method === "GET" && r.path.startsWith("/api/") && !r.path.includes(":"))) {
    const res = await api(rule.path, key);
    assert.is(res.status, 200, rule.path);
    answers.push(await res.text());
  }
  answers.push(await (await api("/api/api-keys", key, { method: "POST", body: JSON.stringify({ name: "fresh" }), headers: { "content-type": "application/json" } })).text());
  const user = { username: "newcomer", email: "newcomer@example.test", name: "N", role: "viewer", password: "newcomer-password-1" };
  answers.push(await (await api("/api/users", key, { method: "POST", body: JSON.stringify(user), headers: { "content-type": "application/json" } })).text());

  const secrets = await server.accounts(async (a) => [
    ...(await a.db.all<{ h: string }>("SELECT password_hash AS h FROM users")),
    ...(await a.db.all<{ h: string }>("SELECT key_hash AS h FROM api_keys")),
  ]);
  const all = answers.join("\n");
  for (const field of ["key_hash", "password_hash", "scrypt$"]) assert.not.match(all, field);
  for (const { h } of secrets) assert.not.match(all, h);
  assert.match(all, '"username":"newcomer"', "the answers were read");
});

test.run();

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateLicenseKeyPair, signLicense, type LicensePayload } from "../../server/license/license.ts";
import { alertText, FormClient, signedInClient } from "../helpers/browser-session.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

let server: TestServer;
let vendor: { publicKey: string; privateKey: string };
let rootId: number;
let target: { id: number; username: string; password: string };
let admin: FormClient;

const license = (overrides: Partial<LicensePayload> = {}, privateKey = vendor.privateKey) =>
  signLicense({ licensee: "Example Corp", seats: 2, expires: "2099-12-31", issued: "2025-01-01", ...overrides }, privateKey);

/** The table row of one user on /admin/users. */
function userRow(html: string, username: string): string {
  const row = html.match(new RegExp(`<tr(?: class="disabled")?>\\s*<td>${username}</td>[\\s\\S]*?</tr>`));
  assert.ok(row, `a row for ${username}`);
  return row[0];
}

async function act(path: string, fields: Record<string, string> = {}): Promise<{ status: number; location: string | null; error?: string }> {
  const res = await admin.submit(path, fields);
  return { status: res.status, location: res.headers.get("location"), error: alertText(await res.text()) };
}

test.before(reported(async () => {
  vendor = await generateLicenseKeyPair();
  // The unlicensed server trusts the test vendor key too, so only forged keys fail its signature check.
  server = await startTestServer({ env: { CODERFLOW_LICENSE_PUBLIC_KEY: vendor.publicKey } });
  rootId = (await server.createUser("root", "admin")).id;
  target = await server.createUser("target", "developer");
  admin = await signedInClient(server, "root");
}));

test.after(() => server.stop());

test("the admin creates a user through the form, who is listed and can sign in", async () => {
  const created = await act("/admin/users", { username: "newbie", email: "newbie@example.test", name: "New Bie", role: "viewer", password: "newbie-password-1" });
  assert.equal(created, { status: 303, location: "/admin/users", error: undefined });
  const row = userRow((await admin.page("/admin/users")).html, "newbie");
  assert.match(row, "<td>New Bie</td>");
  assert.match(row, '<option value="viewer" selected>');
  assert.is((await new FormClient(server.url).login("newbie", "newbie-password-1")).status, 303);
});

test("a refused user creation shows the reason and keeps what was typed, except the password", async () => {
  const cases: [Record<string, string>, string][] = [
    [{ username: "target", email: "other@example.test" }, 'username "target" is already taken'],
    [{ username: "someone", email: "TARGET@example.test" }, 'email "TARGET@example.test" is already used by another user'],
    [{ username: "someone", email: "someone@example.test", password: "short" }, "password must be at least 10 characters"],
    [{ username: "x", email: "x@example.test" }, 'username "x" must be 2-64 letters, digits, dots, dashes or underscores'],
  ];
  for (const [fields, message] of cases) {
    const password = fields.password ?? "typed-password-1";
    const res = await admin.submit("/admin/users", { name: "Some One", role: "developer", ...fields, password });
    assert.is(res.status, 400, message);
    const html = await res.text();
    assert.is(alertText(html), message);
    assert.match(html, `name="email" type="email" required value="${fields.email.replace(/"/g, "&quot;")}"`);
    assert.match(html, '<option value="developer" selected>');
    assert.not.match(html, password, "the password is not echoed");
  }
  assert.is(await server.accounts((a) => a.users.byUsername("someone")), undefined);
});

test("a role change applies to the user's next request", async () => {
  const them = await signedInClient(server, "target");
  assert.is((await them.request("/admin/users")).status, 403);
  assert.is((await act(`/admin/users/${target.id}/role`, { role: "admin" })).status, 303);
  assert.is((await them.request("/admin/users")).status, 200);
  // With a second admin around, demoting one is allowed.
  assert.is((await act(`/admin/users/${target.id}/role`, { role: "developer" })).status, 303);
  assert.is((await them.request("/admin/users")).status, 403);
  const refused = await act(`/admin/users/${target.id}/role`, { role: "owner" });
  assert.is(refused.status, 400);
  assert.is(refused.error, 'target: role "owner" is not one of admin, developer, viewer');
});

test("the last active admin can be neither demoted nor disabled", async () => {
  for (const [path, fields] of [[`/admin/users/${rootId}/role`, { role: "viewer" }], [`/admin/users/${rootId}/disable`, {}]] as const) {
    const refused = await act(path, fields);
    assert.is(refused.status, 400, path);
    assert.is(refused.error, 'root: "root" is the last active admin; make another user admin first');
  }
  const root = await server.accounts((a) => a.users.byId(rootId));
  assert.is(root?.role, "admin");
  assert.is(root?.disabled, false);
  assert.is((await admin.request("/admin/users")).status, 200);
});

test("disabling a user ends their session and key; enabling lets them back in", async () => {
  const them = await signedInClient(server, "target");
  const key = await server.apiKey("target");
  assert.is((await act(`/admin/users/${target.id}/disable`)).status, 303);
  const row = userRow((await admin.page("/admin/users")).html, "target");
  assert.match(row, '<tr class="disabled">');
  assert.match(row, `action="/admin/users/${target.id}/enable"`);
  assert.is((await them.request("/")).status, 303);
  assert.is((await fetch(new URL("/api/me", server.url), { headers: { authorization: `Bearer ${key}` } })).status, 401);

  assert.is((await act(`/admin/users/${target.id}/enable`)).status, 303);
  assert.match(userRow((await admin.page("/admin/users")).html, "target"), `action="/admin/users/${target.id}/disable"`);
  assert.is((await new FormClient(server.url).login("target", target.password)).status, 303);
  assert.is((await fetch(new URL("/api/me", server.url), { headers: { authorization: `Bearer ${key}` } })).status, 200);
});

test("an admin resets a password: the user's sessions end and only the new password works", async () => {
  const them = await signedInClient(server, "target");
  const weak = await act(`/admin/users/${target.id}/password`, { password: "short" });
  assert.is(weak.status, 400);
  assert.is(weak.error, "target: password must be at least 10 characters");
  assert.is((await them.request("/")).status, 200, "a refused reset ends nothing");

  const newPassword = "reset-by-admin-1";
  assert.is((await act(`/admin/users/${target.id}/password`, { password: newPassword })).status, 303);
  assert.is((await them.request("/")).status, 303, "the old session is over");
  assert.is((await new FormClient(server.url).login("target", target.password)).status, 401);
  assert.is((await new FormClient(server.url).login("target", newPassword)).status, 303);
  target.password = newPassword;
});

test("the admin key list shows every user's keys by prefix and revokes them", async () => {
  const key = await server.apiKey("target", "target CI");
  const { html } = await admin.page("/admin/api-keys");
  const row = html.match(/<tr>\s*<td>target CI<\/td>[\s\S]*?<\/tr>/)?.[0];
  assert.ok(row, "the key is listed");
  assert.match(row, "<td>target</td>");
  assert.match(row, `<code>${key.slice(0, 10)}…</code>`);
  assert.not.match(html, key.slice(0, 14));
  const id = row.match(/action="\/admin\/api-keys\/(\d+)\/revoke"/)?.[1];
  assert.ok(id, "the row has a revoke form");

  assert.is((await act(`/admin/api-keys/${id}/revoke`)).status, 303);
  assert.is((await fetch(new URL("/api/me", server.url), { headers: { authorization: `Bearer ${key}` } })).status, 401);
  assert.match((await admin.page("/admin/api-keys")).html.match(/<tr>\s*<td>target CI<\/td>[\s\S]*?<\/tr>/)![0], /revoked \d{4}-/);
});

test("without a license the admin area says it runs unlicensed", async () => {
  const notice = "Unlicensed: running as the community edition";
  assert.match((await admin.page("/admin/users")).html, notice);
  assert.match((await admin.page("/admin/license")).html, notice);
  assert.match((await admin.page("/")).html, notice);
  assert.not.match((await (await signedInClient(server, "target")).page("/")).html, notice, "only admins are told");
});

test("forged, altered, malformed and expired keys are refused with the reason, and nothing is stored", async () => {
  const stranger = await generateLicenseKeyPair();
  const genuine = await license();
  const [prefix, , signature] = genuine.split(".");
  const altered = [prefix, Buffer.from(JSON.stringify({ licensee: "Example Corp", seats: 999, expires: "2099-12-31", issued: "2025-01-01" })).toString("base64url"), signature].join(".");
  const cases: [string, string][] = [
    [await license({}, stranger.privateKey), "license signature is not valid: this key was not issued by the vendor or was altered"],
    [altered, "license signature is not valid: this key was not issued by the vendor or was altered"],
    ["not-a-license", "malformed license key: expected CF1.<payload>.<signature>"],
    [await license({ expires: "2020-01-31" }), "license for Example Corp expired on 2020-01-31"],
  ];
  for (const [key, reason] of cases) {
    const refused = await act("/admin/license", { key });
    assert.is(refused.status, 400, reason);
    assert.is(refused.error, reason);
  }
  assert.not.ok(existsSync(join(server.home, "license.key")), "no key file written");
  assert.match((await admin.page("/admin/license")).html, "Unlicensed");
});

test("a valid key installs; seats are enforced when creating and enabling users; a bad key later keeps the good one", async () => {
  const licensed = await startTestServer({ env: { CODERFLOW_LICENSE_PUBLIC_KEY: vendor.publicKey } });
  try {
    await licensed.createUser("boss", "admin");
    const boss = await signedInClient(licensed, "boss");
    const key = await license();
    const installed = await boss.submit("/admin/license", { key });
    assert.is(installed.status, 303);
    assert.is(installed.headers.get("location"), "/admin/license");
    assert.is(readFileSync(join(licensed.home, "license.key"), "utf8").trim(), key);
    const page = (await boss.page("/admin/license")).html;
    for (const shown of ["<dd>Example Corp</dd>", "<dd>1 of 2 in use</dd>", "<dd>2099-12-31</dd>"]) assert.match(page, shown);
    assert.not.match((await boss.page("/admin/users")).html, "Unlicensed");

    const newUser = (username: string) => ({ username, email: `${username}@example.test`, name: username, role: "viewer", password: `${username}-password-1` });
    assert.is((await boss.submit("/admin/users", newUser("second"))).status, 303, "the second seat is free");
    const seatMessage = "the license allows 2 active users and 2 already exist; disable a user or install a license with more seats";
    const third = await boss.submit("/admin/users", newUser("third"));
    assert.is(third.status, 400);
    assert.is(alertText(await third.text()), seatMessage);
    const viaApi = await fetch(new URL("/api/users", licensed.url), {
      method: "POST",
      body: JSON.stringify(newUser("third")),
      headers: { authorization: `Bearer ${await licensed.apiKey("boss")}`, "content-type": "application/json" },
    });
    assert.is(viaApi.status, 403);
    assert.is(((await viaApi.json()) as { error: string }).error, seatMessage);

    // A disabled user frees the seat, and cannot be enabled again while it is taken.
    const second = (await licensed.accounts((a) => a.users.byUsername("second")))!;
    assert.is((await boss.submit(`/admin/users/${second.id}/disable`, {})).status, 303);
    assert.is((await boss.submit("/admin/users", newUser("third"))).status, 303);
    const enable = await boss.submit(`/admin/users/${second.id}/enable`, {});
    assert.is(enable.status, 400);
    assert.is(alertText(await enable.text()), `second: ${seatMessage}`);

    const forged = await boss.submit("/admin/license", { key: await license({ seats: 100 }, (await generateLicenseKeyPair()).privateKey) });
    assert.is(forged.status, 400);
    assert.match((await boss.page("/admin/license")).html, "<dd>2 of 2 in use</dd>");
    assert.is(readFileSync(join(licensed.home, "license.key"), "utf8").trim(), key, "the installed key is untouched");
  } finally {
    await licensed.stop();
  }
});

test.run();

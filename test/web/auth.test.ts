import { createHash } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { alertText, FormClient, signedInClient } from "../helpers/browser-session.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

const DAY = 86_400_000;
let server: TestServer;
const password: Record<string, string> = {};

/** The sessions table keys a session by the SHA-256 of its token, never the token itself. */
const sessionId = (token: string) => createHash("sha256").update(token).digest("hex");

function sessionCookie(res: Response): { value: string; attrs: string[]; expires: number } | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith("cf_session="));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(";").map((part) => part.trim());
  const expires = attrs.find((a) => /^expires=/i.test(a));
  return { value: pair.slice("cf_session=".length), attrs: attrs.map((a) => a.toLowerCase()), expires: expires ? Date.parse(expires.slice(8)) : NaN };
}

async function setExpiry(token: string, expiresAt: number) {
  await server.accounts((a) => a.db.run("UPDATE sessions SET expires_at = ? WHERE id = ?", [expiresAt, sessionId(token)]));
}

const storedExpiry = (token: string) =>
  server.accounts(async (a) => (await a.db.get<{ expires_at: number }>("SELECT expires_at FROM sessions WHERE id = ?", [sessionId(token)]))?.expires_at);

/** Throttling tests spend the shared server's per-address budget, so they get a server of their own. */
async function withOwnServer(work: (own: TestServer) => Promise<void>) {
  const own = await startTestServer();
  try {
    await work(own);
  } finally {
    await own.stop();
  }
}

test.before(reported(async () => {
  server = await startTestServer();
  for (const [name, role] of [["alice", "developer"], ["dave", "viewer"], ["bob", "viewer"], ["erin", "viewer"]] as const) {
    password[name] = (await server.createUser(name, role)).password;
  }
}));

test.after(() => server.stop());

test("signing in through the form sets an HttpOnly, SameSite=Lax session cookie, without Secure on plain HTTP", async () => {
  const client = new FormClient(server.url);
  await client.page("/login");
  const started = Date.now();
  const res = await client.submit("/login", { username: "alice", password: password.alice, next: "/" });
  assert.is(res.status, 303);
  assert.is(res.headers.get("location"), "/");
  const cookie = sessionCookie(res);
  assert.ok(cookie, "a cf_session cookie is set");
  assert.ok(cookie.attrs.includes("httponly"), `HttpOnly in ${cookie.attrs}`);
  assert.ok(cookie.attrs.includes("samesite=lax"), `SameSite=Lax in ${cookie.attrs}`);
  assert.ok(cookie.attrs.includes("path=/"), `Path=/ in ${cookie.attrs}`);
  assert.not.ok(cookie.attrs.includes("secure"), "no Secure flag on plain HTTP");
  assert.ok(Math.abs(cookie.expires - (started + 30 * DAY)) < 60_000, `cookie lives 30 days, expires ${new Date(cookie.expires).toISOString()}`);

  const stored = await server.accounts((a) => a.db.all<{ id: string }>("SELECT id FROM sessions"));
  assert.ok(stored.some((s) => s.id === sessionId(cookie.value)), "the database holds the token's SHA-256");
  assert.not.ok(stored.some((s) => s.id === cookie.value), "the database never holds the token itself");

  const { res: dashboard, html } = await client.page("/");
  assert.is(dashboard.status, 200);
  assert.match(html, "Signed in as <strong>alice</strong>");
});

test("a wrong password gets 401, a message that does not say which part was wrong, and the username kept", async () => {
  const client = new FormClient(server.url);
  await client.page("/login");
  const wrong = await client.submit("/login", { username: "alice", password: "not-alices-password", next: "/" });
  assert.is(wrong.status, 401);
  assert.is(sessionCookie(wrong), undefined);
  const html = await wrong.text();
  assert.match(html, 'name="username" autocomplete="username" required autofocus value="alice"');
  assert.not.match(html, "not-alices-password");

  const unknown = await client.submit("/login", { username: "nobody-here", password: "whatever-password", next: "/" });
  assert.is(unknown.status, 401);
  const unknownHtml = await unknown.text();
  assert.ok(alertText(html), "the form shows an error");
  assert.is(alertText(unknownHtml), alertText(html), "an unknown user and a wrong password read the same");
});

test("a disabled user cannot sign in and their existing session stops working", async () => {
  const client = await signedInClient(server, "dave");
  assert.is((await client.request("/")).status, 200);

  const dave = (await server.accounts((a) => a.users.byUsername("dave")))!;
  await server.accounts((a) => a.users.setDisabled(dave.id, true));
  const after = await client.request("/");
  assert.is(after.status, 303);
  assert.is(after.headers.get("location"), "/login?next=%2F");

  // A session row that outlived the disabling (made behind the server's back) is refused too.
  const leftover = new FormClient(server.url);
  leftover.useSession(await server.session("dave"));
  assert.is((await leftover.request("/")).status, 303);

  const fresh = new FormClient(server.url);
  const login = await fresh.login("dave", password.dave);
  assert.is(login.status, 401);
  assert.is(sessionCookie(login), undefined);
});

test("logout ends the session on the server: the old cookie no longer works", async () => {
  const client = await signedInClient(server, "alice");
  const token = client.sessionToken!;
  const res = await client.submit("/logout", {});
  assert.is(res.status, 303);
  assert.is(res.headers.get("location"), "/login");
  assert.is(client.sessionToken, undefined, "the cookie is cleared");

  const replay = new FormClient(server.url);
  replay.useSession(token);
  const after = await replay.request("/account");
  assert.is(after.status, 303);
  assert.is(after.headers.get("location"), "/login?next=%2Faccount");
  assert.is(await storedExpiry(token), undefined, "the session row is gone");
});

test("`next` sends the user back to a local path only", async () => {
  const client = new FormClient(server.url);
  const { html } = await client.page("/login?next=%2Faccount%3Fx%3D1");
  assert.match(html, 'name="next" value="/account?x=1"');
  const local = await client.submit("/login", { username: "alice", password: password.alice, next: "/account?x=1" });
  assert.is(local.headers.get("location"), "/account?x=1");

  const other = new FormClient(server.url);
  await other.page("/login");
  const foreign = await other.submit("/login", { username: "alice", password: password.alice, next: "//evil.example/steal" });
  assert.is(foreign.status, 303);
  assert.is(foreign.headers.get("location"), "/");

  // A signed-in visit to /login follows `next` through the same check, without a password hash per case.
  for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)", "http:evil.example"]) {
    const res = await client.request(`/login?next=${encodeURIComponent(next)}`);
    assert.is(res.status, 303, next);
    const location = res.headers.get("location")!;
    assert.is(new URL(location, server.url).origin, new URL(server.url).origin, `${JSON.stringify(next)} redirected to ${JSON.stringify(location)}`);
  }
});

test("a session past its expiry is rejected and deleted", async () => {
  const client = await signedInClient(server, "alice");
  const token = client.sessionToken!;
  await setExpiry(token, Date.now() - 1000);
  const res = await client.request("/");
  assert.is(res.status, 303);
  assert.is(res.headers.get("location"), "/login?next=%2F");
  assert.is(client.sessionToken, undefined, "the expired cookie is cleared");
  assert.is(await storedExpiry(token), undefined, "the expired row is deleted");
});

test("a session used in its last 15 days is renewed to 30 days, with a fresh cookie; an older one is left alone", async () => {
  const due = await signedInClient(server, "alice");
  const token = due.sessionToken!;
  await setExpiry(token, Date.now() + 10 * DAY);
  const started = Date.now();
  const res = await due.request("/account");
  assert.is(res.status, 200);
  const cookie = sessionCookie(res);
  assert.ok(cookie, "the renewed session is sent again");
  assert.is(cookie.value, token, "same token, longer life");
  assert.ok(Math.abs(cookie.expires - (started + 30 * DAY)) < 60_000, `cookie expires ${new Date(cookie.expires).toISOString()}`);
  assert.ok(Math.abs(Number(await storedExpiry(token)) - (started + 30 * DAY)) < 60_000, "the database has the new expiry");

  const fresh = await signedInClient(server, "alice");
  const twentyDays = Date.now() + 20 * DAY;
  await setExpiry(fresh.sessionToken!, twentyDays);
  const untouched = await fresh.request("/account");
  assert.is(untouched.status, 200);
  assert.is(sessionCookie(untouched), undefined);
  assert.is(Number(await storedExpiry(fresh.sessionToken!)), twentyDays);
});

test("five wrong passwords for one account block it (429, Retry-After) even for the right password", async () => {
  const client = new FormClient(server.url);
  await client.page("/login");
  const wrong = await Promise.all(Array.from({ length: 5 }, () => client.submit("/login", { username: "bob", password: "wrong-password-x", next: "/" })));
  assert.equal(
    wrong.map((r) => r.status),
    [401, 401, 401, 401, 401],
  );
  const blocked = await client.submit("/login", { username: "bob", password: password.bob, next: "/" });
  assert.is(blocked.status, 429);
  assert.ok(Number(blocked.headers.get("retry-after")) > 0, `Retry-After: ${blocked.headers.get("retry-after")}`);
  assert.match(await blocked.text(), "Too many failed sign-ins");
  assert.is(sessionCookie(blocked), undefined);
  assert.is((await client.submit("/login", { username: "BOB", password: password.bob, next: "/" })).status, 429, "the username's case does not escape the block");

  // The block is per account: another account from the same address still signs in.
  assert.is((await new FormClient(server.url).login("alice", password.alice)).status, 303);
});

test("a burst of parallel guesses gets no more tries than the account limit", () =>
  withOwnServer(async (own) => {
    const victim = await own.createUser("victor", "viewer");
    const client = new FormClient(own.url);
    await client.page("/login");
    const burst = await Promise.all(Array.from({ length: 12 }, () => client.submit("/login", { username: victim.username, password: "guess-guess-guess", next: "/" })));
    const tried = burst.filter((r) => r.status === 401).length;
    assert.ok(tried <= 5, `${tried} of 12 parallel guesses were checked against the password`);
    assert.ok(burst.every((r) => r.status === 401 || r.status === 429));
  }));

test("20 failures from one address across many usernames block that address (429) even for a right password", () =>
  withOwnServer(async (own) => {
    const ivan = await own.createUser("ivan", "viewer");
    const client = new FormClient(own.url);
    await client.page("/login");
    const failures = await Promise.all(Array.from({ length: 20 }, (_, i) => client.submit("/login", { username: `stranger${i}`, password: "some-password-1", next: "/" })));
    assert.ok(
      failures.every((r) => r.status === 401),
      `statuses ${failures.map((r) => r.status)}`,
    );
    const blocked = await client.submit("/login", { username: ivan.username, password: ivan.password, next: "/" });
    assert.is(blocked.status, 429);
    assert.ok(Number(blocked.headers.get("retry-after")) > 0, `Retry-After: ${blocked.headers.get("retry-after")}`);
  }));

test("changing one's password on /account/password ends the other sessions and keeps this one", async () => {
  const here = await signedInClient(server, "erin");
  const elsewhere = await signedInClient(server, "erin");
  const newPassword = "erin-new-password-2";

  const wrongCurrent = await here.submit("/account/password", { current_password: "not-erins", new_password: newPassword, confirm_password: newPassword });
  assert.is(wrongCurrent.status, 400);
  assert.match(await wrongCurrent.text(), "The current password is wrong.");
  assert.is((await elsewhere.request("/account")).status, 200, "a refused change ends nothing");

  const changed = await here.submit("/account/password", { current_password: password.erin, new_password: newPassword, confirm_password: newPassword });
  assert.is(changed.status, 303);
  assert.is(changed.headers.get("location"), "/account?changed=password");
  const { res: page, html } = await here.page("/account?changed=password");
  assert.is(page.status, 200, "this browser stays signed in");
  assert.match(html, "Password changed. Other sessions were signed out.");
  const other = await elsewhere.request("/account");
  assert.is(other.status, 303);
  assert.is(other.headers.get("location"), "/login?next=%2Faccount");

  assert.is((await new FormClient(server.url).login("erin", password.erin)).status, 401, "the old password is gone");
  assert.is((await new FormClient(server.url).login("erin", newPassword)).status, 303);
});

test.run();

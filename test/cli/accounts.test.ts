import { rmSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { verifyPassword } from "../../server/auth/password.ts";
import { VERSION } from "../../server/version.ts";
import { FormClient } from "../helpers/browser-session.ts";
import { runCli } from "../helpers/cli.ts";
import { startTestServer, tempHome, withInstallationAccounts } from "../helpers/server.ts";

const home = tempHome();
test.after(() => rmSync(home, { recursive: true, force: true }));

const cli = (args: string[], input?: string) => runCli(args, { home, input });
const createUser = (username: string, role: string, password = `${username}-password-1`, email = `${username}@example.com`) =>
  cli(["create-user", `--username=${username}`, `--email=${email}`, `--name=${username} Example`, `--role=${role}`, "--password-stdin"], `${password}\n`);

function refused(result: { code: number | null; stderr: string }, code: number, message: string | RegExp, what: string) {
  assert.is(result.code, code, `${what}: exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, message, what);
  assert.not.match(result.stderr, /\n\s+at /, `${what}: no stack trace`);
}

test("accounts through the CLI: create every role, refusals, listing, password, disable/enable, API key", async () => {
  // Migrate first, so the concurrent commands below only contend for row writes.
  await withInstallationAccounts(home, async () => undefined);
  const created = await Promise.all([createUser("alice", "admin"), createUser("bob", "developer"), createUser("carol", "viewer")]);
  created.forEach((r) => assert.is(r.code, 0, r.stderr));
  assert.is(created[0].stdout.trim(), 'Created admin "alice" <alice@example.com>.');

  // Refusals write nothing and the three writes touch different users, so all run side by side.
  const [dupName, dupEmail, badRole, weak, noUsername, unknownCommand, unknownUser, help, version, setPassword, disable, apiKey] = await Promise.all([
    createUser("alice", "viewer", "another-password", "alice2@example.com"),
    createUser("alice2", "viewer", "another-password", "alice@example.com"),
    createUser("dave", "owner"),
    createUser("erin", "developer", "short"),
    cli(["create-user", "--email=x@example.com", "--password-stdin"], "some-password-1\n"),
    cli(["frobnicate"]),
    cli(["set-password", "nobody", "--password-stdin"], "nobody-password-1\n"),
    cli(["--help"]),
    cli(["--version"]),
    cli(["set-password", "alice", "--password-stdin"], "alice-new-password\n"),
    cli(["disable-user", "bob"]),
    cli(["api-key", "create", "--username=carol", "--name=ci"]),
  ]);
  refused(dupName, 1, 'username "alice" is already taken', "duplicate username");
  refused(dupEmail, 1, 'email "alice@example.com" is already used by another user', "duplicate email");
  refused(badRole, 1, 'role "owner" is not one of admin, developer, viewer', "unknown role");
  refused(weak, 1, "password must be at least 10 characters", "weak password");
  refused(noUsername, 2, "--username is required", "missing --username");
  refused(unknownCommand, 2, 'unknown command "frobnicate"; see coder-server --help', "unknown command");
  refused(unknownUser, 1, 'no user named "nobody"; see coder-server list-users', "unknown user");

  assert.is(help.code, 0);
  for (const command of ["init", "config", "license", "create-user", "list-users", "set-password", "disable-user", "enable-user", "api-key", "start", "doctor"]) {
    assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, "m"), `--help lists ${command}`);
  }
  assert.is(version.code, 0);
  assert.match(version.stdout, `coder-server/${VERSION}`);

  for (const done of [setPassword, disable, apiKey]) assert.is(done.code, 0, done.stderr);
  const key = apiKey.stdout.trim();
  assert.match(key, /^cfk_\S{20,}$/, "stdout carries the key alone, ready for scripts");
  assert.match(apiKey.stderr, "shown only this once");

  const [users, hash] = await withInstallationAccounts(home, async (a) => [await a.users.list(), await a.users.passwordHash((await a.users.byUsername("alice"))!.id)] as const);
  assert.equal(users.map((u) => [u.username, u.role, u.name, u.disabled]), [["alice", "admin", "alice Example", false], ["bob", "developer", "bob Example", true], ["carol", "viewer", "carol Example", false]], "refusals created nobody");
  assert.ok(await verifyPassword("alice-new-password", hash!), "the new password is stored");
  assert.not.ok(await verifyPassword("alice-password-1", hash!), "the old password no longer matches");

  const [table, json] = await Promise.all([cli(["list-users"]), cli(["list-users", "--json"])]);
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /^USERNAME\s+ROLE\s+STATUS\s+EMAIL\s+NAME$/m);
  assert.match(table.stdout, /^bob\s+developer\s+disabled\s+bob@example\.com\s+bob Example$/m);
  assert.match(table.stdout, /^carol\s+viewer\s+active\s+carol@example\.com\s+carol Example$/m);
  const listed = JSON.parse(json.stdout);
  assert.equal(listed.map((u: { username: string; role: string; disabled: boolean }) => [u.username, u.role, u.disabled]), [["alice", "admin", false], ["bob", "developer", true], ["carol", "viewer", false]]);
  assert.not.match(json.stdout, /password|scrypt/, "the listing never carries password hashes");

  const enable = await cli(["enable-user", "bob"]);
  assert.is(enable.code, 0, enable.stderr);

  const server = await startTestServer({ home });
  try {
    const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    assert.is(me.status, 200);
    assert.equal(await me.json().then((u) => [u.username, u.role]), ["carol", "viewer"]);
    const forged = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } });
    assert.is(forged.status, 401);
    assert.is((await new FormClient(server.url).login("alice", "alice-password-1")).status, 401, "the old password no longer signs in");
    assert.is((await new FormClient(server.url).login("alice", "alice-new-password")).status, 303, "the new one does");
    assert.is((await new FormClient(server.url).login("bob", "bob-password-1")).status, 303, "the re-enabled user signs in again");
  } finally {
    await server.stop();
  }
});

test("commands run side by side on a new installation: each waits for the other's migration instead of failing", async () => {
  const fresh = tempHome();
  try {
    const results = await Promise.all([
      runCli(["create-user", "--username=first", "--email=first@example.com", "--role=admin", "--password-stdin"], { home: fresh, input: "first-password-1\n" }),
      ...Array.from({ length: 7 }, () => runCli(["list-users"], { home: fresh })),
    ]);
    results.forEach((r, i) => assert.is(r.code, 0, `command ${i}: ${r.stderr}`));
    const listed = await runCli(["list-users"], { home: fresh });
    assert.match(listed.stdout, /first/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test.run();

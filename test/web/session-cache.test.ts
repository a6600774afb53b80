import { test } from "uvu";
import * as assert from "uvu/assert";
import { Sessions } from "../../server/auth/sessions.ts";
import { accountServices, licenseService } from "../../server/runtime.ts";
import { twoDatabases } from "../helpers/server.ts";

// The server keeps sessions it has read in memory; the CLI changes accounts from another process.
async function serverAndCli() {
  const dbs = await twoDatabases();
  return {
    server: accountServices(dbs.server, licenseService(dbs.home, {})),
    cli: accountServices(dbs.cli, licenseService(dbs.home, {})),
    serverDb: dbs.server,
    cliDb: dbs.cli,
    close: dbs.close,
  };
}

test("a remembered session ends at once when another process disables its user, logs it out or changes the role", async () => {
  const { server, cli, close } = await serverAndCli();
  try {
    const user = await cli.users.create({ username: "ada", email: "ada@example.test", name: "Ada", role: "developer", password: "ada-password-1" });
    const { token, session } = await cli.sessions.create(user.id);
    assert.is((await server.sessions.validate(token))?.user.role, "developer");
    assert.is((await server.sessions.validate(token))?.user.role, "developer", "second read, from memory");

    await cli.users.setRole(user.id, "viewer");
    assert.is((await server.sessions.validate(token))?.user.role, "viewer");

    const { token: other, session: otherSession } = await cli.sessions.create(user.id);
    assert.ok(await server.sessions.validate(other));
    await cli.sessions.invalidate(otherSession.id);
    assert.is(await server.sessions.validate(other), null, "logged out elsewhere");
    assert.ok(await server.sessions.validate(token), "the user's other session lives on");

    await cli.users.setDisabled(user.id, true);
    assert.is(await server.sessions.validate(token), null, "disabled: every session ends");
    assert.is(session.userId, user.id);
  } finally {
    await close();
  }
});

test("a remembered session still expires on time and is renewed in its last half", async () => {
  let now = Date.UTC(2026, 0, 1);
  const { cli, cliDb, close } = await serverAndCli();
  try {
    const sessions = new Sessions(cliDb, () => now);
    const user = await cli.users.create({ username: "bob", email: "bob@example.test", name: "Bob", role: "viewer", password: "bob-password-1" });
    const { token, session } = await sessions.create(user.id);
    assert.is((await sessions.validate(token))?.renewed, false);
    now = session.expiresAt - 1000;
    const renewed = await sessions.validate(token);
    assert.is(renewed?.renewed, true);
    now = renewed!.session.expiresAt + 1;
    assert.is(await sessions.validate(token), null);
  } finally {
    await close();
  }
});

test("known(): a session at once only once read, while nothing was written, and not when due for renewal", async () => {
  let now = Date.now();
  const { server, serverDb, cli, close } = await serverAndCli();
  try {
    const user = await cli.users.create({ username: "cy", email: "cy@example.test", name: "Cy", role: "viewer", password: "cy-password-1" });
    const { token, session } = await cli.sessions.create(user.id);
    const sessions = server.sessions;
    assert.is(sessions.known(token), undefined, "never read by this process");
    await sessions.validate(token);
    assert.is(sessions.known(token)?.user.username, "cy");
    assert.is(sessions.known("no-such-token"), undefined);

    await cli.users.setRole(user.id, "developer");
    assert.is(sessions.known(token), undefined, "a write by another process: read again");
    assert.is((await sessions.validate(token))?.user.role, "developer");

    const clocked = new Sessions(serverDb, () => now);
    await clocked.validate(token);
    assert.ok(clocked.known(token));
    now = session.expiresAt - 1000;
    assert.is(clocked.known(token), undefined, "due for renewal: validate() renews it");
  } finally {
    await close();
  }
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { migrate } from "../../server/db/migrate.ts";
import { runCli } from "../helpers/cli.ts";
import { twoDatabases } from "../helpers/server.ts";

test("a prepared read sees every committed write, from its own Database or another", async () => {
  const { server, cli, close } = await twoDatabases();
  try {
    await server.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
    await server.run("INSERT INTO t (id, v, b) VALUES (1, 'a', ?)", [new Uint8Array([1, 2, 3])]);
    assert.equal(await server.get("SELECT v FROM t WHERE id = ?", [1]), { v: "a" });
    await cli.run("UPDATE t SET v = 'b' WHERE id = 1");
    assert.equal(await server.get("SELECT v FROM t WHERE id = ?", [1]), { v: "b" }, "the reused statement must not keep an old snapshot");
    await server.run("INSERT INTO t (id, v) VALUES (2, 'c')");
    assert.equal(await server.all("SELECT id, v FROM t ORDER BY id"), [{ id: 1, v: "b" }, { id: 2, v: "c" }]);
    await cli.run("DELETE FROM t WHERE id = 2");
    assert.equal(await server.all("SELECT id, v FROM t ORDER BY id"), [{ id: 1, v: "b" }]);
    const row = await server.get<{ b: Uint8Array }>("SELECT b FROM t WHERE id = 1");
    assert.equal([...new Uint8Array(row!.b)], [1, 2, 3]);
    assert.is(await server.get("SELECT v FROM t WHERE id = ?", [99]), undefined);
  } finally {
    await close();
  }
});

test("two processes migrating at once: the later one finds the migration applied instead of failing on it", async () => {
  const { server, cli, close } = await twoDatabases();
  const migrations = [{ version: 9001, name: "probe", sql: "CREATE TABLE probe (x INTEGER);\nCREATE INDEX probe_x ON probe (x);" }];
  try {
    const done = await Promise.all([migrate(server, migrations), migrate(cli, migrations)]);
    assert.equal(done.flat(), [9001], "applied by exactly one of them");
    assert.equal(await cli.all("SELECT version FROM schema_migrations WHERE version = 9001"), [{ version: 9001 }]);
  } finally {
    await close();
  }
});

test("a bad statement is an error naming the problem, and the reader goes on working", async () => {
  const { server, close } = await twoDatabases();
  try {
    const failure = await server.all("SELECT nope FROM missing_table").then(() => null, (err: Error) => err);
    assert.match(failure?.message ?? "", /missing_table/);
    assert.equal(await server.get("SELECT 1 AS one"), { one: 1 });
  } finally {
    await close();
  }
});

test("the change stamp moves with every write, from either Database, and only then", async () => {
  const { server, cli, close } = await twoDatabases();
  try {
    await server.run("CREATE TABLE t (v TEXT)");
    const before = server.changeStamp();
    await server.get("SELECT count(*) AS n FROM t");
    assert.is(server.changeStamp(), before, "a read is not a change");
    await cli.run("INSERT INTO t VALUES ('x')");
    const afterCli = server.changeStamp();
    assert.is.not(afterCli, before, "a write through another Database of this process shows at once");
    await server.batch([{ sql: "INSERT INTO t VALUES (?)", args: ["y"] }]);
    assert.is.not(server.changeStamp(), afterCli, "a batch is a change too");
  } finally {
    await close();
  }
});

test("a write by another process shows in the change stamp by the time that process has finished", async () => {
  const { home, server, close } = await twoDatabases();
  try {
    for (const username of ["first", "second"]) {
      const before = server.changeStamp();
      const created = await runCli(["create-user", `--username=${username}`, `--email=${username}@example.test`, "--role=viewer", "--password-stdin"], { home, input: `${username}-password-1\n` });
      assert.is(created.code, 0, created.stderr);
      assert.is.not(server.changeStamp(), before, `after create-user ${username}`);
      assert.ok(await server.get("SELECT 1 FROM users WHERE username = ?", [username]));
    }
  } finally {
    await close();
  }
});

test.run();

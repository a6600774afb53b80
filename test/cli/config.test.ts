import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConfigStore } from "../../server/config/config.ts";
import { runCli } from "../helpers/cli.ts";
import { tempHome } from "../helpers/server.ts";

const scratch = tempHome();
test.after(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const newDir = () => {
  const dir = join(scratch, `d${++n}`);
  mkdirSync(dir);
  return dir;
};

test("ConfigStore: environment overrides config.json, which overrides the default", () => {
  const path = join(newDir(), "config.json");
  const fileOnly = new ConfigStore(path, {});
  assert.equal(fileOnly.resolve("server_port"), { value: 3000, source: "default" });
  fileOnly.set("server_port", "4000");
  assert.equal(fileOnly.resolve("server_port"), { value: 4000, source: "file" });
  assert.equal(JSON.parse(readFileSync(path, "utf8")), { server_port: 4000 });
  const withEnv = new ConfigStore(path, { CODERFLOW_SERVER_PORT: "5000" });
  assert.equal(withEnv.resolve("server_port"), { value: 5000, source: "env" });
  // An empty variable is "not set", as shells make it easy to export one by accident.
  assert.equal(new ConfigStore(path, { CODERFLOW_SERVER_PORT: "" }).resolve("server_port"), { value: 4000, source: "file" });
  assert.throws(() => new ConfigStore(path, { CODERFLOW_SERVER_PORT: "http" }).get("server_port"), /server_port.*"http"/);
  fileOnly.unset("server_port");
  assert.equal(fileOnly.resolve("server_port"), { value: 3000, source: "default" });
});

test("ConfigStore: refused values, relative paths and a corrupt file", () => {
  const dir = newDir();
  const path = join(dir, "config.json");
  const store = new ConfigStore(path, {});
  assert.throws(() => store.set("server_port", "1.5"), /server_port.*"1\.5"/);
  assert.throws(() => store.set("colour", "blue"), /unknown config key "colour"/);
  assert.is(existsSync(path), false, "a refused value must not create config.json");
  mkdirSync(join(dir, "repo"));
  assert.is(store.set("setup_path", "repo", dir), join(dir, "repo"));
  assert.throws(() => store.set("setup_path", "missing", dir), new RegExp(`${join(dir, "missing")} is not a directory`));
  assert.equal(store.readFile(), { setup_path: join(dir, "repo") });
  writeFileSync(path, "{ not json");
  assert.throws(() => store.get("server_port"), (err: Error) => err.message.startsWith(`${path}: invalid JSON`));
  writeFileSync(path, "[1]");
  assert.throws(() => store.get("server_port"), /top level is not an object/);
});

test("config set/get/unset/list through the CLI: validation, absolute paths, precedence", async () => {
  const home = newDir();
  const work = newDir();
  mkdirSync(join(work, "my-setup"));
  const configPath = join(home, "config.json");

  let r = await runCli(["config", "set", "server_port", "4000"], { home });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), "server_port = 4000");
  r = await runCli(["config", "set", "setup_path", "my-setup"], { home, cwd: work });
  assert.is(r.code, 0, r.stderr);
  const stored = readFileSync(configPath, "utf8");
  assert.equal(JSON.parse(stored), { server_port: 4000, setup_path: join(work, "my-setup") });

  const corruptHome = newDir();
  writeFileSync(join(corruptHome, "config.json"), '{"server_port": 4000,');
  // None of these may write, so they share the installation and run side by side.
  const [port0, port70000, portAbc, fromFile, list, unknownKey, corrupt] = await Promise.all([
    runCli(["config", "set", "server_port", "0"], { home }),
    runCli(["config", "set", "server_port", "70000"], { home }),
    runCli(["config", "set", "server_port", "abc"], { home }),
    runCli(["config", "get", "server_port"], { home }),
    runCli(["config", "list"], { home, env: { CODERFLOW_SERVER_PORT: "5000" } }),
    runCli(["config", "set", "colour", "blue"], { home }),
    runCli(["config", "list"], { home: corruptHome }),
  ]);
  for (const [refused, value] of [[port0, "0"], [port70000, "70000"], [portAbc, "abc"]] as const) {
    assert.is(refused.code, 1, `server_port ${value} must be refused`);
    assert.match(refused.stderr, `server_port must be a whole number from 1 to 65535, got "${value}"`);
    assert.is.not(refused.stderr.includes("    at "), true, "a refusal prints no stack trace");
  }
  assert.is(readFileSync(configPath, "utf8"), stored, "refused values leave config.json as it was");
  assert.is(fromFile.stdout.trim(), "4000", "config.json wins over the default");
  // One listing shows all three levels: the environment beats the file's 4000, the file beats defaults.
  assert.match(list.stdout, /^server_port\s+5000\s+env CODERFLOW_SERVER_PORT$/m);
  assert.match(list.stdout, new RegExp(`^setup_path\\s+${join(work, "my-setup")}\\s+file$`, "m"));
  assert.match(list.stdout, /^server_host\s+0\.0\.0\.0\s+default$/m);
  assert.is(unknownKey.code, 1);
  assert.match(unknownKey.stderr, /unknown config key "colour"; known keys: server_port, server_host/);
  assert.is(corrupt.code, 1);
  assert.match(corrupt.stderr, `${join(corruptHome, "config.json")}: invalid JSON`);

  r = await runCli(["config", "unset", "server_port"], { home });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(configPath, "utf8")), { setup_path: join(work, "my-setup") }, "unset removes only that key");
});

test.run();

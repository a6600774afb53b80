import { execFileSync } from "node:child_process";
import { readFileSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
// @ts-expect-error plain JavaScript, as cli/bin.js must be
import { bundleIsCurrent } from "../../cli/bundle.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("after a build cli/bin.js runs the bundle, and the sources once one of them is newer", () => {
  execFileSync(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "scripts/build.ts")], { cwd: ROOT, stdio: "pipe" });
  const { sources } = JSON.parse(readFileSync(join(ROOT, "dist/sources.json"), "utf8")) as { sources: string[] };
  for (const source of sources) assert.ok(statSync(join(ROOT, source), { throwIfNoEntry: false })?.isFile(), `dist/sources.json lists "${source}", which is not a file`);
  assert.ok(bundleIsCurrent(), "just built");
  const nonAscii = readFileSync(join(ROOT, "dist/coder-server.js"), "latin1").match(/[^\x00-\x7f].{0,40}/);
  assert.is(nonAscii, null, `the bundle is ASCII only, so V8 keeps its source at one byte a character; found ${JSON.stringify(nonAscii?.[0])}`);
  const source = join(ROOT, "server/version.ts");
  const { atime, mtime } = statSync(source);
  utimesSync(source, atime, new Date(Date.now() + 1000));
  try {
    assert.not.ok(bundleIsCurrent(), "a source edited after the build");
  } finally {
    utimesSync(source, atime, mtime);
  }
  assert.ok(bundleIsCurrent());
  assert.match(execFileSync(process.execPath, [join(ROOT, "cli/bin.js"), "--version"], { encoding: "utf8" }), /coder-server\/\d/);
});

test.run();

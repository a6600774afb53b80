// The agent base image, as really built. Needs `bash scripts/ensure-docker.sh && bash
// scripts/ensure-base-image.sh` first (npm test runs both; the first build takes minutes, later
// ones are cached); without them every test here fails saying so.
import { cac } from "cac";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { registerBaseImageCommands } from "../../cli/commands/base-image.ts";
import { CliError } from "../../cli/errors.ts";
import { AGENT_CLI_MANIFEST, BASE_LATEST, ensureBaseImage, readAgentClis } from "../../server/docker/base-image.ts";
import { dockerEngine, offlineBaseImage } from "../helpers/docker.ts";

async function inBase(script: string, user?: string) {
  const engine = await dockerEngine();
  return engine.run(await offlineBaseImage(), ["bash", "-c", script], { user });
}

test("containers of the base image run as coder, uid 1000, in /workspace", async () => {
  const run = await inBase("id -u; id -un; pwd; echo $HOME");
  assert.equal(run, { exitCode: 0, stdout: "1000\ncoder\n/workspace\n/home/coder\n", stderr: "" });
});

test("/workspace and /task-output belong to coder", async () => {
  const run = await inBase("stat -c '%n %U' /workspace /task-output && touch /workspace/a /task-output/b");
  assert.is(run.exitCode, 0, run.stderr);
  assert.is(run.stdout, "/workspace coder\n/task-output coder\n");
});

test("git, node, npm, curl and bash are there", async () => {
  const run = await inBase("git --version && node --version && npm --version && curl --version | head -n 1 && bash --version | head -n 1");
  assert.is(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /^git version 2\./m);
  assert.match(run.stdout, /^v\d+\.\d+\.\d+$/m);
  assert.match(run.stdout, /^curl \d/m);
});

test("the image records which agent CLIs it carries, and those recorded start", async () => {
  const engine = await dockerEngine();
  const tag = await offlineBaseImage();
  const clis = await readAgentClis(engine, tag);
  assert.equal(Object.keys(clis).sort(), ["claude", "codex", "gemini", "node"]);
  // Without the npm registry they may all be "missing"; whatever is recorded as present must run.
  for (const bin of ["claude", "codex", "gemini"]) {
    if (clis[bin] === "missing") continue;
    const run = await inBase(`${bin} --version`);
    assert.is(run.exitCode, 0, `${bin}: ${run.stderr}`);
    assert.ok(run.stdout.includes(clis[bin].replace(/^codex-cli /, "")), `${bin} reports ${run.stdout}, manifest says ${clis[bin]}`);
  }
  const raw = await engine.run(tag, ["cat", AGENT_CLI_MANIFEST]);
  assert.match(raw.stdout, /^node=v\d+/m);
});

test("ensureBaseImage is a cached no-op when the image exists", async () => {
  const engine = await dockerEngine();
  const expected = await offlineBaseImage();
  const lines: string[] = [];
  const started = Date.now();
  const tag = await ensureBaseImage({ engine, offline: true, onLine: (line) => lines.push(line) });
  assert.is(tag, expected);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.not.ok(lines.some((l) => /^Step \d+/.test(l) || /debootstrap/.test(l)), lines.join("\n"));
  assert.is(await engine.imageId(BASE_LATEST), await engine.imageId(tag));
});

test("`base-image build --offline` reports the cached image and its agent CLIs", async () => {
  const tag = await offlineBaseImage();
  const cli = cac("coder-server");
  registerBaseImageCommands(cli);
  cli.parse(["node", "coder-server", "base-image", "build", "--offline"], { run: false });
  const written: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => written.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await cli.runMatchedCommand();
  } finally {
    process.stdout.write = write;
  }
  const output = written.join("");
  assert.match(output, `base image ${tag} (also tagged ${BASE_LATEST})`);
  assert.match(output, /agent CLIs: node v\d+/);
});

test("`base-image` with an unknown action is a usage error", async () => {
  const cli = cac("coder-server");
  registerBaseImageCommands(cli);
  cli.parse(["node", "coder-server", "base-image", "frobnicate"], { run: false });
  const err = await Promise.resolve(cli.runMatchedCommand()).catch((e: unknown) => e);
  assert.instance(err, CliError);
  assert.is((err as CliError).exitCode, 2);
});

test.run();

// `coder-server build <env>` as a real process, building for real from the cached base image.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigStore } from "../../server/config/config.ts";
import { homePaths } from "../../server/config/home.ts";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { buildStream } from "../../server/environments/builds.ts";
import { LogStore } from "../../server/logs/store.ts";
import { openDatabase } from "../../server/runtime.ts";
import { runCli } from "../helpers/cli.ts";
import { engineWithBaseImage, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName } from "../helpers/environments.ts";
import { tempHome } from "../helpers/server.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("coder-server build");

// The template's own demo environment, with images in a repository of this test's own.
const IMAGE_REPO = `coderflow-test/${uniqueEnvironmentName("cli")}`;

let setup: ReturnType<typeof setupRepoFixture>;
let engine: DockerEngine;
let home: string;

test.before(reported(async () => {
  engine = await engineWithBaseImage();
  setup = setupRepoFixture({
    "environments/demo/environment.json": testEnvironmentJson("demo", { image_name: IMAGE_REPO, docker_config: { post_clone_instructions: ["RUN echo hello from the demo build"] } }),
    "environments/broken/environment.json": testEnvironmentJson("broken", { default_agent: "copilot", repos: [{ name: "app" }] }),
  });
  home = tempHome();
  new ConfigStore(homePaths(home).config, {}).set("setup_path", setup.root);
}));

test.after(async () => {
  try {
    if (engine) await removeEnvironmentImages(engine, "demo", IMAGE_REPO);
  } finally {
    setup?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  }
});

test("build demo prints the whole build log as it is stored and exits 0 with the new tag", async () => {
  const result = await runCli(["build", "demo"], { home });
  assert.is(result.code, 0, result.stderr);
  const printed = result.stdout.split("\n").slice(0, -1);
  assert.is(printed.at(-1), `build #1 succeeded: ${IMAGE_REPO}:build-1`);
  assert.ok(printed.includes("hello from the demo build"), result.stdout);

  const db = await openDatabase(homePaths(home).database);
  try {
    const stored = (await new LogStore(db).read(buildStream(1))).map((l) => l.line);
    assert.equal(printed.slice(0, -1), stored, "every stored line printed once, in order");
  } finally {
    await db.close();
  }
  assert.ok(await engine.imageExists(`${IMAGE_REPO}:build-1`));
});

test("build of a broken environment exits non-zero listing each problem with file and field", async () => {
  const result = await runCli(["build", "broken"], { home });
  assert.is(result.code, 1);
  const file = "environments/broken/environment.json";
  assert.match(result.stderr, /environment "broken" is broken/);
  assert.match(result.stderr, new RegExp(`${file}: default_agent: "copilot" is not an agent`));
  assert.match(result.stderr, new RegExp(`${file}: repos\\[0\\]\\.url: is required`));
  assert.is(result.stdout, "");
});

test("build of an environment that does not exist names the ones there are", async () => {
  const result = await runCli(["build", "nope"], { home });
  assert.is(result.code, 1);
  assert.match(result.stderr, /no environment named "nope"; there are: broken, demo/);
});

test.run();

// Environment image builds against the real Docker engine, from the cached base image.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { buildStream, type Build } from "../../server/environments/builds.ts";
import { buildJson, environmentJson } from "../../server/environments/present.ts";
import { bareRepository, type BareRepository } from "../helpers/git.ts";
import { openBuildServices, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName, type BuildServices } from "../helpers/environments.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("environment builds");

const SECRET = "s3cr3t-value-xyz";
const APP = uniqueEnvironmentName("build");
const SECRETIVE = uniqueEnvironmentName("secret");

let origin: BareRepository;
let setup: ReturnType<typeof setupRepoFixture>;
let s: BuildServices;

const appRepo = (url: string, extra: Record<string, unknown> = {}) => ({
  name: "app",
  url,
  branch: "main",
  path: "src/app",
  // Runs as coder inside the checkout: the marker proves where, and as whom.
  post_clone_action: "echo post-clone ran > .post-clone-marker",
  ...extra,
});

async function logLines(id: number) {
  return s.logs.read(buildStream(id), 0, 100_000);
}

async function buildAndWait(environment: string): Promise<Build> {
  const requested = await s.builds.request(environment, { trigger: "test" });
  return s.builds.wait(requested.id);
}

test.before(reported(async () => {
  origin = await bareRepository({ "README.md": "# the app\n", "lib/main.sh": "echo hello\n" });
  setup = setupRepoFixture({
    [`environments/${APP}/environment.json`]: testEnvironmentJson(APP, { repos: [appRepo(origin.url)] }),
    [`environments/${SECRETIVE}/environment.json`]: testEnvironmentJson(SECRETIVE, {
      repos: [appRepo(origin.url, { post_clone_action: "echo token=$TOKEN; echo \"stderr token=$TOKEN\" >&2" })],
    }),
    [`environments/${SECRETIVE}/.secrets.json`]: {
      secrets: { token: { description: "build token", expose_as: "env_var", target: "TOKEN", value: SECRET, available_for: ["builds"] } },
    },
  });
  s = await openBuildServices(setup.root);
}));

test.after(async () => {
  try {
    if (s) for (const name of [APP, SECRETIVE]) await removeEnvironmentImages(s.engine, name);
  } finally {
    await s?.close();
    setup?.remove();
    origin?.remove();
  }
});

test("a build from a local bare repository makes an image with the checkout owned by coder and the post-clone action run", async () => {
  const build = await buildAndWait(APP);
  const lines = await logLines(build.id);
  assert.is(build.status, "succeeded", lines.map((l) => l.line).join("\n"));
  assert.is(build.tag, `coderflow-test/${APP}:build-${build.id}`);
  assert.is(await s.engine.imageId(build.tag!), build.image_id);

  const probe = await s.engine.run(build.tag!, [
    "sh",
    "-c",
    "cd /workspace/src/app && stat -c '%U %n' README.md lib/main.sh .post-clone-marker && cat README.md .post-clone-marker && git rev-parse HEAD && id -un",
  ]);
  assert.is(probe.exitCode, 0, probe.stderr);
  assert.is(
    probe.stdout,
    `coder README.md\ncoder lib/main.sh\ncoder .post-clone-marker\n# the app\npost-clone ran\n${origin.head}\ncoder\n`,
  );

  // The builder's own step lines, in order, every one of them, in a stream numbered 1..N without gaps.
  assert.equal(
    lines.map((l) => l.seq),
    lines.map((_, i) => i + 1),
  );
  const steps = lines.map((l) => l.line.match(/^Step (\d+)\/(\d+) : /)).filter((m) => m !== null);
  assert.ok(steps.length >= 5, `too few steps:\n${lines.map((l) => l.line).join("\n")}`);
  assert.equal(
    steps.map((m) => Number(m[1])),
    steps.map((_, i) => i + 1),
  );
  assert.ok(steps.every((m) => Number(m[2]) === steps.length));
  assert.ok(lines.some((l) => l.line.includes(`COPY --chown=coder:coder repos/app /workspace/src/app`)));

  const current = await s.builds.currentImage(APP);
  assert.is(current?.id, build.id);
  assert.is(current?.image_id, build.image_id);
  assert.is(await s.engine.imageId(`coderflow-test/${APP}:latest`), build.image_id);
});

test("a rebuild with nothing changed reuses the layer cache for every COPY and RUN step", async () => {
  const previous = (await s.builds.currentImage(APP))!;
  const build = await buildAndWait(APP);
  assert.is(build.status, "succeeded");
  const lines = (await logLines(build.id)).map((l) => l.line);
  const stepStarts = lines.flatMap((line, i) => (/^Step \d+\/\d+ : (COPY|RUN) /.test(line) ? [i] : []));
  assert.ok(stepStarts.length >= 3, lines.join("\n"));
  for (const start of stepStarts) {
    const end = lines.findIndex((line, i) => i > start && /^Step \d+\/\d+ : /.test(line));
    const stepOutput = lines.slice(start + 1, end === -1 ? undefined : end);
    assert.ok(stepOutput.some((l) => /Using cache/.test(l)), `${lines[start]} was not taken from the cache:\n${stepOutput.join("\n")}`);
  }
  assert.is(build.image_id, previous.image_id, "the same image under a new tag");
});

test("a second request while a build runs gets that same build, even when both arrive at once", async () => {
  const [a, b] = await Promise.all([s.builds.request(APP, { trigger: "test" }), s.builds.request(APP, { trigger: "test" })]);
  const c = await s.builds.request(APP, { trigger: "test" });
  assert.is(b.id, a.id);
  assert.is(c.id, a.id);
  const done = await s.builds.wait(a.id);
  assert.is(done.status, "succeeded");
  assert.is((await s.builds.list(APP)).length, 3, "the first build, the rebuild, and one for these three requests");
});

test("a failing step ends the build failed, naming the step and its error; the last good image stays current", async () => {
  const current = await s.builds.currentImage(APP);
  setup.write(
    `environments/${APP}/environment.json`,
    testEnvironmentJson(APP, { repos: [appRepo(origin.url)], docker_config: { post_clone_instructions: ["RUN echo about to fail && exit 3"] } }),
  );
  await s.registry.reload();
  const build = await buildAndWait(APP);
  assert.is(build.status, "failed");
  assert.match(build.failed_step ?? "", /^Step \d+\/\d+ : RUN echo about to fail && exit 3$/);
  assert.match(build.error ?? "", /non-zero code: 3/);
  const lines = (await logLines(build.id)).map((l) => l.line);
  assert.ok(lines.includes("about to fail"), lines.join("\n"));
  assert.match(lines.at(-1)!, /^build failed: .*non-zero code: 3/);

  assert.is((await s.builds.currentImage(APP))?.id, current!.id);
  assert.is(await s.engine.imageId(`coderflow-test/${APP}:latest`), current!.image_id);
  assert.not.ok(await s.engine.imageExists(build.tag!), "a failed build leaves no tag behind");
});

test("a build secret reaches the build but appears in no stored line, build row, API JSON or the image", async () => {
  const build = await buildAndWait(SECRETIVE);
  const lines = (await logLines(build.id)).map((l) => l.line);
  assert.is(build.status, "succeeded", lines.join("\n"));
  // The value was there to echo (else these would read "token="), and was replaced.
  assert.ok(lines.includes("token=[redacted]"), lines.join("\n"));
  assert.ok(lines.includes("stderr token=[redacted]"), lines.join("\n"));

  const stored = await s.db.all("SELECT stream, line FROM log_lines WHERE line LIKE ?", [`%${SECRET}%`]);
  assert.equal(stored, []);
  const rows = await s.db.all("SELECT * FROM builds");
  assert.not.ok(JSON.stringify(rows).includes(SECRET));

  const env = s.registry.get(SECRETIVE)!;
  const api = JSON.stringify([environmentJson(env, await s.builds.currentImage(SECRETIVE), build, await s.secrets.list(env)), buildJson(build)]);
  assert.ok(api.includes('"TOKEN"'), "the secret is listed by its target");
  assert.not.ok(api.includes(SECRET));

  // Nor in the image: its history and configuration are what `docker history`/`inspect` show.
  const image = s.engine.docker.getImage(build.image_id!);
  assert.not.ok(JSON.stringify(await image.history()).includes(SECRET), "the secret is in the image history");
  assert.not.ok(JSON.stringify(await image.inspect()).includes(SECRET), "the secret is in the image configuration");
});

test.run();

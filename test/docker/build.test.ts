// Image builds and imports against the real Docker engine, on top of the cached offline base
// image. Needs `bash scripts/ensure-docker.sh && bash scripts/ensure-base-image.sh` first (npm test
// runs both); without them every test here fails saying so.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ImageBuildError } from "../../server/docker/build-log.ts";
import { dockerEngine, offlineBaseImage } from "../helpers/docker.ts";

// One tag per test, each removed afterwards: rebuilding one tag would leave dangling images behind.
const made: string[] = [];
function tagFor(name: string): string {
  const tag = `coderflow/test-build:${name}-${process.pid}`;
  made.push(tag);
  return tag;
}

async function contextWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "coderflow-build-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

test.after(async () => {
  const engine = await dockerEngine();
  for (const tag of made) await engine.removeImage(tag, { force: true });
});

test("buildImage streams each line of output and returns a runnable image", async () => {
  const engine = await dockerEngine();
  const base = await offlineBaseImage();
  const dir = await contextWith({
    "Dockerfile": `FROM ${base}\nCOPY files/ /home/coder/files/\nRUN echo first-line && echo second-line >&2\nRUN cat /home/coder/files/greeting.txt > /home/coder/built.txt\n`,
    "files/greeting.txt": "hello from the context\n",
  });
  const lines: string[] = [];
  const tag = tagFor("streamed");
  try {
    const { imageId } = await engine.buildImage({
      contextDir: dir,
      tag,
      labels: { "coderflow.test": "build" },
      onLine: (line) => lines.push(line),
    });
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    assert.ok(lines.some((l) => /^Step 3\/\d+ : RUN echo first-line/.test(l)), lines.join("\n"));
    assert.ok(lines.includes("first-line"), "stdout of a RUN step arrives as its own line");
    assert.ok(lines.includes("second-line"), "stderr arrives too, without the builder's colour codes");
    assert.is(await engine.imageId(tag), imageId);
    assert.is((await engine.imageLabels(tag))["coderflow.test"], "build");
    const run = await engine.run(tag, ["cat", "/home/coder/built.txt"]);
    assert.equal(run, { exitCode: 0, stdout: "hello from the context\n", stderr: "" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("buildImage takes build arguments and a Dockerfile under another name", async () => {
  const engine = await dockerEngine();
  const base = await offlineBaseImage();
  const dir = await contextWith({
    "build/Agent.dockerfile": `FROM ${base}\nARG GREETING\nRUN echo "greeting=$GREETING" > /home/coder/arg.txt\n`,
  });
  const tag = tagFor("args");
  try {
    await engine.buildImage({ contextDir: dir, dockerfile: "build/Agent.dockerfile", tag, buildArgs: { GREETING: "hi" } });
    const run = await engine.run(tag, ["cat", "/home/coder/arg.txt"]);
    assert.is(run.stdout, "greeting=hi\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("buildImage accepts a tar stream as the context", async () => {
  const engine = await dockerEngine();
  const base = await offlineBaseImage();
  const dir = await contextWith({ "Dockerfile": `FROM ${base}\nRUN touch /home/coder/from-tar\n` });
  const tag = tagFor("tar");
  try {
    const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    await engine.buildImage({ tar: tar.stdout, tag });
    assert.is((await engine.run(tag, ["test", "-e", "/home/coder/from-tar"])).exitCode, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a failing build names the failing step and keeps the end of its output", async () => {
  const engine = await dockerEngine();
  const base = await offlineBaseImage();
  const dir = await contextWith({
    "Dockerfile": `FROM ${base}\nRUN echo fine\nRUN echo about-to-fail && exit 3\nRUN echo never-reached\n`,
  });
  const lines: string[] = [];
  const tag = tagFor("broken");
  try {
    const err = await engine.buildImage({ contextDir: dir, tag, onLine: (l) => lines.push(l) }).then(
      () => assert.unreachable("the build should have failed"),
      (e: unknown) => e,
    );
    assert.instance(err, ImageBuildError);
    const failure = err as ImageBuildError;
    assert.is(failure.step, "Step 3/4 : RUN echo about-to-fail && exit 3");
    assert.match(failure.reason, /returned a non-zero code: 3/);
    assert.ok(failure.tail.includes("about-to-fail"), failure.tail.join("\n"));
    assert.not.ok(failure.tail.includes("fine"), "the tail is the failing step's, not the whole build's");
    assert.match(failure.message, /at "Step 3\/4 : RUN echo about-to-fail && exit 3"/);
    assert.not.ok(lines.includes("never-reached"));
    assert.is(await engine.imageExists(tag), false);
  } finally {
    // The last step that worked stays behind as an untagged image (a cache for a retry).
    const lastLayer = lines.map((l) => / ---> ([0-9a-f]{12})$/.exec(l)?.[1]).filter((id) => id !== undefined).pop();
    if (lastLayer) await engine.removeImage(lastLayer);
    await rm(dir, { recursive: true, force: true });
  }
});

test("a build the daemon refuses up front is an ImageBuildError without a step", async () => {
  const engine = await dockerEngine();
  const dir = await contextWith({ "README": "no Dockerfile here\n" });
  try {
    const err = await engine.buildImage({ contextDir: dir, tag: tagFor("refused") }).catch((e: unknown) => e);
    assert.instance(err, ImageBuildError);
    assert.is((err as ImageBuildError).step, undefined);
    assert.match((err as ImageBuildError).message, /Dockerfile/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("importRootfs turns a tar of a filesystem into an image", async () => {
  const engine = await dockerEngine();
  const dir = await contextWith({ "etc/marker": "imported\n" });
  const tag = tagFor("imported");
  try {
    const tar = spawn("tar", ["-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
    const { imageId } = await engine.importRootfs(tar.stdout, tag);
    assert.is(await engine.imageId(tag), imageId);
    assert.is(await engine.removeImage(tag), true);
    assert.is(await engine.imageExists(tag), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();

// How the classic builder's event stream becomes lines and failure reports: no Docker needed.
import { Readable } from "node:stream";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BuildLog, ImageBuildError } from "../../server/docker/build-log.ts";
import { readJsonLines } from "../../server/docker/json-stream.ts";

test("text split anywhere arrives as whole lines, without colour codes or progress rewrites", () => {
  const lines: string[] = [];
  const log = new BuildLog((line) => lines.push(line));
  for (const stream of ["Step 1/2 : FROM x\n ---> ab", "c\nStep 2/2 : RUN y\n", "\u001b[91mwarn\n\u001b[0m", "10%\r50%\r100%\n", "tail"]) {
    log.handle({ stream });
  }
  log.handle({ aux: { ID: "sha256:feed" } });
  assert.equal(log.finish("t:1"), { imageId: "sha256:feed" });
  assert.equal(lines, ["Step 1/2 : FROM x", " ---> abc", "Step 2/2 : RUN y", "warn", "100%", "tail"]);
});

test("an error names the last step and keeps only that step's recent output", () => {
  const log = new BuildLog();
  log.handle({ stream: "Step 1/2 : RUN ok\nok-output\n" });
  log.handle({ stream: "Step 2/2 : RUN bad\n" });
  for (let i = 0; i < 100; i++) log.handle({ stream: `line ${i}\n` });
  log.handle({ errorDetail: { code: 1, message: "The command '/bin/sh -c bad' returned a non-zero code: 1" }, error: "x" });
  try {
    log.finish("t:1");
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ImageBuildError);
    const failure = err as ImageBuildError;
    assert.is(failure.step, "Step 2/2 : RUN bad");
    assert.is(failure.tail.length, 40);
    assert.is(failure.tail.at(-1), "line 99");
    assert.not.ok(failure.tail.includes("ok-output"));
    assert.is(failure.message, `building t:1 failed at "Step 2/2 : RUN bad": The command '/bin/sh -c bad' returned a non-zero code: 1`);
  }
});

test("a stream that ends without an image id is a failure too", () => {
  const log = new BuildLog();
  log.handle({ stream: "Step 1/1 : FROM x\n" });
  assert.throws(() => log.finish("t:1"), /without an image id/);
});

test("readJsonLines survives split objects, split UTF-8 and lines that are not JSON", async () => {
  const text = Buffer.from('{"stream":"caf\u00e9"}\r\nnot json\n{"status":"done"}');
  const cut = text.indexOf(0xa9); // inside the two bytes of "é"
  const events: unknown[] = [];
  await readJsonLines(Readable.from([text.subarray(0, cut), text.subarray(cut)]), (e) => events.push(e));
  assert.equal(events, [{ stream: "caf\u00e9" }, { stream: "not json\n" }, { status: "done" }]);
});

test.run();

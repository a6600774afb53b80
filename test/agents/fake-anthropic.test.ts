import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";

// The task runner's in-container test starts the endpoint this way, next to the CLI, with its own script.
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const FAKE = fileURLToPath(new URL("../helpers/fake-anthropic.ts", import.meta.url));

test("the scripted Anthropic endpoint starts from the command line, streams its script, stops on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "coderflow-fake-"));
  const scriptFile = join(dir, "turns.json");
  writeFileSync(scriptFile, JSON.stringify([{ text: "Running it.", tools: [{ name: "Bash", input: { command: "make test" } }] }]));
  const child = spawn(TSX, [FAKE, "--port", "0", "--host", "127.0.0.1", "--script", scriptFile], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.setEncoding("utf8").on("data", (s: string) => {
        out += s;
        const match = out.match(/^listening (\S+)$/m);
        if (match) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code} before listening: ${out}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/, "the port the system chose");

    const res = await fetch(`${url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, tools: [{ name: "Bash" }], messages: [{ role: "user", content: "go" }] }),
    });
    assert.is(res.headers.get("content-type"), "text/event-stream");
    const events = (await res.text()).split("\n\n").filter(Boolean).map((block) => JSON.parse(block.split("\ndata: ")[1]));
    assert.equal(events.map((e) => e.type), [
      "message_start",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    assert.equal(events[5].content_block, { type: "tool_use", id: "toolu_fake_0_0", name: "Bash", input: {} });
    const json = events.filter((e) => e.delta?.type === "input_json_delta").map((e) => e.delta.partial_json).join("");
    assert.equal(JSON.parse(json), { command: "make test" });
    assert.equal(events[9].delta.stop_reason, "tool_use");
    assert.equal(events[9].usage, { output_tokens: 20 });

    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.is(await exited, 0);
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

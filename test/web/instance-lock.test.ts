// One server per installation: a second one on the same CODERFLOW_HOME would capture the same
// tasks' output twice. A lock file left by a killed server is taken over.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { InstanceLockError } from "../../server/instance-lock.ts";
import { startTestServer, tempHome } from "../helpers/server.ts";

test("a second server on the same home is refused, naming the first one's pid; after a stop it starts", async () => {
  const home = tempHome();
  try {
    const first = await startTestServer({ home });
    try {
      const second = await startTestServer({ home }).then(
        (s) => s,
        (err: Error) => err,
      );
      assert.instance(second, InstanceLockError);
      assert.match((second as Error).message, `another coder-server (pid ${process.pid}) is already running for ${home}`);
    } finally {
      await first.stop();
    }
    const again = await startTestServer({ home });
    await again.stop();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("a lock file whose process is gone (kill -9) is taken over", async () => {
  const home = tempHome();
  try {
    writeFileSync(join(home, "server.pid"), "999999\n");
    const server = await startTestServer({ home });
    assert.is((await fetch(`${server.url}/health`)).status, 200);
    await server.stop();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();

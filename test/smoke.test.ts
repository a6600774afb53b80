import { test } from "uvu";
import * as assert from "uvu/assert";
import { FormClient } from "./helpers/browser-session.ts";
import { startTestServer } from "./helpers/server.ts";

test("a user signs in through the form and sees the dashboard", async () => {
  const server = await startTestServer();
  try {
    await server.createUser("alice", "developer");
    const client = new FormClient(server.url);
    const res = await client.login("alice", "alice-password-1");
    assert.is(res.status, 303);
    const { res: dash, html } = await client.page("/");
    assert.is(dash.status, 200);
    assert.match(html, /Signed in as <strong>alice<\/strong>/);
  } finally {
    await server.stop();
  }
});

test.run();

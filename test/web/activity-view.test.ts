// The task page's activity: a recorded Claude Code run, through its parser, reads as what the
// agent did (messages, commands, results, files), escaped, not as raw JSON.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AGENTS } from "../../server/agents/index.ts";
import { loadTemplates } from "../../server/views/load.ts";
import { Views } from "../../server/views/views.ts";
import { parseWhole, transcript } from "../helpers/transcripts.ts";

test("activity of a recorded run renders as messages, commands, results and touched files", async () => {
  const events = parseWhole(AGENTS.claude, transcript("claude")).flatMap((e) => (e.kind === "activity" ? [e] : []));
  const activity = events.map(({ kind: _kind, type, ...data }, i) => ({ seq: i + 1, at: 0, type, data }));
  activity.push({ seq: 99, at: 0, type: "message", data: { text: "<script>alert(1)</script>" } });
  const html = new Views(await loadTemplates()).render("tasks/activity", { activity });
  assert.match(html, /Files the agent touched: <code>hello\.txt<\/code>/);
  assert.match(html, /<span class="kind">runs<\/span> <code>Bash<\/code> <code>ls &amp;&amp; cat hello\.txt<\/code>/);
  assert.match(html, /<span class="kind">says<\/span> I&#39;ll create the file\./);
  assert.match(html, /<span class="kind">usage<\/span> \d+ tokens in, \d+ out/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.not.match(html, /<script>/);
  assert.not.match(html, /"sessionId"/, "no raw JSON for known kinds");
});

test.run();

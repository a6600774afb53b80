import { test } from "uvu";
import * as assert from "uvu/assert";
import { OutputPosition } from "../../server/tasks/output-position.ts";

const T1 = "2026-12-04T10:00:00.100000000";
const T2 = "2026-12-04T10:00:00.200000000";
const T3 = "2026-12-04T10:00:01.000000000";

test("a fresh capture keeps every line, numbering repeats of one timestamp", () => {
  const p = new OutputPosition(null);
  assert.is(p.sinceSeconds, 0);
  assert.equal([T1, T1, T2].map((ts) => p.next(ts)), [`${T1}#0`, `${T1}#1`, `${T2}#0`]);
});

test("a resumed capture skips exactly what was stored, repeats of the last timestamp included", () => {
  // Stored up to the second line stamped T1; docker replays from the start of that second.
  const p = new OutputPosition(`${T1}#1`);
  assert.is(p.sinceSeconds, Date.parse("2026-12-04T10:00:00Z") / 1000);
  assert.equal([T1, T1, T1, T2, T3].map((ts) => p.next(ts)), [null, null, `${T1}#2`, `${T2}#0`, `${T3}#0`]);
});

test("lines from before the stored position are skipped even across seconds", () => {
  const p = new OutputPosition(`${T3}#0`);
  assert.equal([T1, T2, T3, T3].map((ts) => p.next(ts)), [null, null, null, `${T3}#1`]);
});

test.run();

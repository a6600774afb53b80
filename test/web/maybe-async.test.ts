import { test } from "uvu";
import * as assert from "uvu/assert";
import { all, then } from "../../server/http/maybe-async.ts";

test("all(): a promise until every promise has been fulfilled and seen, then the values at once", async () => {
  const first = Promise.resolve(1);
  const second = Promise.resolve("two");
  const waiting = all([first, second] as const);
  assert.instance(waiting, Promise, "first sight: nothing known yet");
  assert.equal(await waiting, [1, "two"]);
  assert.equal(all([first, second] as const), [1, "two"], "the same promises again: answered without one");

  const fresh = Promise.resolve(3);
  assert.instance(all([first, fresh] as const), Promise, "one promise not seen before is enough to wait");
});

test("all(): a rejected promise is never taken for a value, and rejects every time", async () => {
  const failing = Promise.reject(new Error("docker is down"));
  for (let i = 0; i < 2; i++) {
    const result = all([Promise.resolve(1), failing] as const);
    assert.instance(result, Promise);
    await (result as Promise<unknown>).then(
      () => assert.unreachable("should reject"),
      (err: Error) => assert.is(err.message, "docker is down"),
    );
  }
});

test("then(): at once for a value, after the promise for a promise", async () => {
  assert.is(then(2, (n) => n * 10), 20);
  const later = then(Promise.resolve(2), (n) => n * 10);
  assert.instance(later, Promise);
  assert.is(await later, 20);
});

test.run();

/*
 * A signed-in page mostly shows what caches already hold. Answered without a promise, it is
 * written by @hono/node-server at once; each promise on the way (an await, an async function)
 * cost a measurable share of such a page (bench/README.md). These helpers wait only when there
 * is something to wait for.
 */

/** next(value), at once if value is not a promise. */
export function then<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

// Caches hand back the same promise while their value holds, so its value is remembered here
// once it has arrived (null: seen, not yet fulfilled).
const fulfilled = new WeakMap<Promise<unknown>, { value: unknown } | null>();

/** The values of the promises, at once if every one has already been fulfilled, else Promise.all. */
export function all<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): T | Promise<T> {
  const values: unknown[] = [];
  let ready = true;
  for (const promise of promises) {
    const known = fulfilled.get(promise);
    if (known === undefined) {
      fulfilled.set(promise, null);
      promise.then((value) => fulfilled.set(promise, { value }), () => undefined);
    }
    if (known) values.push(known.value);
    else ready = false;
  }
  return ready ? (values as unknown as T) : (Promise.all(promises) as Promise<T>);
}

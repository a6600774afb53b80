/**
 * Polls GET <base>/health until it answers 200, for a server another process is starting.
 * Fails as soon as `exited` settles (the process died) or after `timeoutMs`. The benches
 * poll every few ms so the wait adds little to what they time.
 */
export async function waitForHealth(base: string, opts: { timeoutMs: number; intervalMs?: number; exited?: Promise<unknown> }): Promise<void> {
  let gone = false;
  opts.exited?.then(() => (gone = true), () => (gone = true));
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const ok = await fetch(`${base}/health`).then(
      async (res) => (await res.arrayBuffer(), res.status === 200),
      () => false,
    );
    if (ok) return;
    if (gone) throw new Error(`the server process exited before ${base}/health answered 200`);
    if (performance.now() > deadline) throw new Error(`${base}/health did not answer 200 within ${opts.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 50));
  }
}

import { get } from "node:http";

/** What a plain HTTP GET on a fresh connection gets: its status, or the error code when refused, reset or silent. */
export function probeHttp(url: string, timeoutMs = 5_000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("no answer"), { code: "TIMEOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

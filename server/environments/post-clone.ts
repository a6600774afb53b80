import { createHmac } from "node:crypto";
import type { Readable } from "node:stream";
import { tarOf } from "../docker/archive.ts";
import type { DockerEngine } from "../docker/engine.ts";
import { lineSplitter } from "../docker/lines.ts";
import { shellQuote } from "../shell.ts";

const CACHE_LABEL = "coderflow.post-clone-key";
const SECRETS_FILE = "/tmp/.coderflow-build-secrets";

export class PostCloneError extends Error {}

/**
 * Runs the post-clone actions in a container that reads the build secrets from a file it deletes
 * before any action runs, then commits the container: the secrets reach the actions but are
 * written nowhere in the image, its history or its configuration (build arguments and container
 * environment variables both would be). The result is reused while the image below, the actions
 * and the secrets stay the same; the cache key is an HMAC, so it does not reveal weak secrets.
 */
export async function runPostCloneWithSecrets(opts: {
  engine: DockerEngine;
  /** The id of the image with the repositories in place. */
  image: string;
  commands: string[];
  secrets: Record<string, string>;
  repo: string;
  /** Keys the cache label's HMAC. */
  cacheKeySecret: Uint8Array;
  onLine: (line: string) => void;
}): Promise<string> {
  const docker = opts.engine.docker;
  const key = createHmac("sha256", opts.cacheKeySecret)
    .update(JSON.stringify([opts.image, opts.commands, Object.entries(opts.secrets).sort()]))
    .digest("hex");
  const [cached] = await docker.listImages({ filters: { label: [`${CACHE_LABEL}=${key}`] } });
  if (cached) {
    opts.onLine(`post-clone actions unchanged: using ${cached.Id.slice(0, 19)}`);
    return cached.Id;
  }
  const script = ["set -e", `set -a; . ${SECRETS_FILE}; set +a; rm -f ${SECRETS_FILE}`, ...opts.commands.map((c) => `echo "+ ${c.replace(/["\\$`]/g, "\\$&")}"\n${c}`)].join("\n");
  const container = await docker.createContainer({ Image: opts.image, Cmd: ["bash", "-c", script], User: "coder", WorkingDir: "/workspace", Tty: false });
  try {
    const body = Object.entries(opts.secrets).map(([k, v]) => `${k}=${shellQuote(v)}\n`).join("");
    await container.putArchive(await tarOf([{ path: SECRETS_FILE, content: body, mode: 0o400 }]), { path: "/" });
    const output = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
    // One splitter per stream, so a partial line of one is never joined to the other's.
    const sinks = [lineSplitter(opts.onLine), lineSplitter(opts.onLine)];
    const ended = new Promise<void>((resolve) => output.on("end", resolve).on("close", resolve));
    docker.modem.demuxStream(output, sinks[0] as never, sinks[1] as never);
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    await ended;
    for (const sink of sinks) sink.end();
    if (StatusCode !== 0) throw new PostCloneError(`a post_clone_action failed with exit code ${StatusCode}`);
    const committed = (await container.commit({
      repo: opts.repo,
      tag: `post-clone-${key.slice(0, 12)}`,
      comment: "coderflow post-clone actions",
      changes: [`LABEL ${CACHE_LABEL}=${key}`],
    })) as { Id: string };
    return committed.Id;
  } finally {
    await container.remove({ force: true });
  }
}

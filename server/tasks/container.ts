import { posix } from "node:path";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { tarOf, type ArchiveEntry } from "../docker/archive.ts";
import type { DockerEngine } from "../docker/engine.ts";
import { lineSplitter } from "../docker/lines.ts";

export interface ContainerSpec {
  image: string;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  memory: string;
  cpus: number;
  pids: number;
  network: "none" | "bridge" | "host";
  /** Files placed in the container before it starts (wrapper script, instructions, secret files). */
  files: (ArchiveEntry & { content: string | Uint8Array })[];
  /** Directories to make, owned by the container user, beside those below `home`. */
  directories?: string[];
  /**
   * The container user's home: directories the files need below it are made the user's, as if the user had made
   * them. Docker makes missing parents root's, and a CLI must be able to write beside its config (sessions, state).
   */
  home?: string;
}

export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
}

export function parseMemory(size: string): number {
  const match = size.trim().toLowerCase().match(/^(\d+(?:\.\d+)?)([kmg]?)$/);
  if (!match) throw new Error(`memory "${size}" is not a size like 4g or 512m`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2] as "" | "k" | "m" | "g"];
  return Math.round(Number(match[1]) * unit);
}

/** Every directory strictly below `home` that holds one of the files, parents first. */
function userDirectories(files: ContainerSpec["files"], home: string): string[] {
  const dirs = new Set<string>();
  for (const f of files) {
    if (!f.path.startsWith(`${home}/`)) continue;
    for (let dir = posix.dirname(f.path); dir.startsWith(`${home}/`); dir = posix.dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort();
}

/** A line of a container's output with the daemon's timestamp, normalised so it sorts as text. */
export interface OutputLine {
  ts: string;
  text: string;
}

export function normaliseTimestamp(raw: string): string {
  const [whole, frac = ""] = raw.replace(/Z$/, "").split(".");
  return `${whole}.${frac.padEnd(9, "0").slice(0, 9)}`;
}

/** Task containers: locked down, labelled so a restarted server finds them, output reattachable. */
export class TaskContainers {
  constructor(private engine: DockerEngine) {}

  get docker(): Docker {
    return this.engine.docker;
  }

  async create(spec: ContainerSpec): Promise<string> {
    const container = await this.docker.createContainer({
      Image: spec.image,
      Cmd: spec.command,
      User: "1000:1000",
      WorkingDir: "/workspace",
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      Tty: false,
      HostConfig: {
        Memory: parseMemory(spec.memory),
        MemorySwap: parseMemory(spec.memory),
        NanoCpus: Math.round(spec.cpus * 1e9),
        PidsLimit: spec.pids,
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        NetworkMode: spec.network,
        Init: true,
        Binds: [],
      },
    });
    if (spec.files.length) {
      const directories = [...(spec.directories ?? []), ...(spec.home ? userDirectories(spec.files, spec.home) : [])];
      const entries = [...directories.map((path) => ({ path, type: "directory" as const })), ...spec.files];
      await container.putArchive(await tarOf(entries), { path: "/" });
    }
    return container.id;
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  async state(id: string): Promise<{ running: boolean; exitCode: number; oomKilled: boolean } | null> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      return { running: info.State.Running, exitCode: info.State.ExitCode, oomKilled: Boolean(info.State.OOMKilled) };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      throw err;
    }
  }

  /**
   * Follows the container's output from `sinceSeconds`, line by line with timestamps, until the
   * container stops or `detach` is aborted. Resolves when the output ends; rejects when the daemon goes away.
   */
  async follow(id: string, sinceSeconds: number, onLine: (line: OutputLine) => void, detach?: AbortSignal): Promise<void> {
    const raw = (await this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since: sinceSeconds })) as unknown as Readable;
    const hangUp = () => raw.destroy();
    if (detach?.aborted) hangUp();
    detach?.addEventListener("abort", hangUp, { once: true });
    const emit = (piece: string) => {
      const space = piece.indexOf(" ");
      if (space < 0) return;
      onLine({ ts: normaliseTimestamp(piece.slice(0, space)), text: piece.slice(space + 1).replace(/\r$/, "") });
    };
    // stdout and stderr each get their own splitter: their chunks interleave.
    const out = lineSplitter(emit);
    const err = lineSplitter(emit);
    this.docker.modem.demuxStream(raw, out as never, err as never);
    await new Promise<void>((resolve, reject) => {
      raw.on("end", resolve);
      raw.on("close", resolve);
      raw.on("error", reject);
    }).finally(() => detach?.removeEventListener("abort", hangUp));
    out.end();
    err.end();
  }

  async wait(id: string): Promise<ContainerExit> {
    const result = await this.docker.getContainer(id).wait();
    const state = await this.state(id);
    return { exitCode: Number(result.StatusCode), oomKilled: state?.oomKilled ?? false };
  }

  /** Snapshots a finished container (its workspace and /task-output) as an image for the next run. */
  async commit(id: string, repo: string, tag: string): Promise<string> {
    const result = (await this.docker.getContainer(id).commit({ repo, tag, pause: false })) as { Id: string };
    return result.Id;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw err;
    }
  }

  async kill(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill();
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  /** Reads a directory of the (possibly stopped) container as files, skipping any larger than maxBytes. */
  async readFiles(id: string, dir: string, maxBytes: number): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const { default: tar } = await import("tar-stream");
    let archive: NodeJS.ReadableStream;
    try {
      archive = await this.docker.getContainer(id).getArchive({ path: dir });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return files;
      throw err;
    }
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: unknown) => {
        const c = chunk as Buffer;
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      stream.on("end", () => {
        if (header.type === "file") files.set(header.name.split("/").slice(1).join("/"), size <= maxBytes ? Buffer.concat(chunks).toString("utf8") : `[${size} bytes: larger than the ${maxBytes}-byte limit]`);
        next();
      });
      stream.resume();
    });
    await new Promise<void>((resolve, reject) => {
      extract.on("finish", resolve);
      extract.on("error", reject);
      archive.pipe(extract);
    });
    return files;
  }
}

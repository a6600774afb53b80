import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { BuildLog, ImageBuildError } from "./build-log.ts";
import { readJsonLines } from "./json-stream.ts";
import { describeUnreachable } from "./unreachable.ts";

export type PingResult =
  | { ok: true; version: string; apiVersion: string }
  | { ok: false; error: string };

export type BuildImageOptions = ({ contextDir: string } | { tar: NodeJS.ReadableStream }) & {
  tag: string;
  /** Path of the Dockerfile inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Rebuild every step instead of reusing the layer cache. */
  noCache?: boolean;
  onLine?: (line: string) => void;
};

export type RunOptions = {
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
};

export type RunResult = { exitCode: number; stdout: string; stderr: string };

const PING_TIMEOUT_MS = 5_000;

/**
 * The one place that talks to the Docker Engine API. Callers get plain results and errors that
 * say what went wrong; dockerode itself stays behind this class so its quirks are handled once.
 */
export class DockerEngine {
  readonly docker: Docker;

  /** Without a socket path, dockerode follows DOCKER_HOST and then the default socket. */
  constructor(options: { socketPath?: string } = {}) {
    this.docker = new Docker(options.socketPath ? { socketPath: options.socketPath } : undefined);
  }

  /** What is being dialled, for messages: a socket path or a URL. */
  async endpoint(): Promise<string> {
    const modem = this.docker.modem as {
      socketPath?: string | (() => Promise<string>);
      protocol?: string;
      host?: string;
      port?: string | number;
    };
    // By default dockerode looks the socket up (the user's Docker Desktop one, else the system one).
    if (typeof modem.socketPath === "function") return modem.socketPath();
    if (modem.socketPath) return modem.socketPath;
    return `${modem.protocol ?? "http"}://${modem.host}:${modem.port}`;
  }

  /** Never throws: /health and `doctor` report whatever comes back. */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<PingResult> {
    try {
      // The typings omit the options argument that dockerode accepts for every call.
      const version = this.docker.version as (options: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
      const info = await version.call(this.docker, { abortSignal: AbortSignal.timeout(timeoutMs) });
      if (typeof info?.Version !== "string") {
        return { ok: false, error: `${await this.endpoint()} answered, but not like a Docker daemon` };
      }
      return { ok: true, version: info.Version, apiVersion: info.ApiVersion };
    } catch (err) {
      return { ok: false, error: describeUnreachable(err, await this.endpoint()) };
    }
  }

  /** The image's id, or undefined when no image has that name. */
  async imageId(nameOrId: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(nameOrId).inspect()).Id;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async imageExists(nameOrId: string): Promise<boolean> {
    return (await this.imageId(nameOrId)) !== undefined;
  }

  async imageLabels(nameOrId: string): Promise<Record<string, string>> {
    return (await this.docker.getImage(nameOrId).inspect()).Config.Labels ?? {};
  }

  /** Like `docker import`: a tar of a root filesystem becomes an image. */
  async importRootfs(tar: NodeJS.ReadableStream, tag: string): Promise<{ imageId: string }> {
    const { repo, tag: version } = splitTag(tag);
    const output = await this.docker.importImage(tar, { repo, tag: version });
    let failure: string | undefined;
    await readJsonLines(output, (event) => {
      if (event.error || event.errorDetail) failure = event.errorDetail?.message || event.error;
    });
    if (failure) throw new Error(`importing ${tag} failed: ${failure}`);
    const imageId = await this.imageId(tag);
    if (!imageId) throw new Error(`importing ${tag} failed: the daemon reported success but has no such image`);
    return { imageId };
  }

  /**
   * Like `docker build` with the classic builder, whose plain-text steps are what onLine receives.
   * Throws ImageBuildError naming the failing step and the end of its output.
   */
  async buildImage(options: BuildImageOptions): Promise<{ imageId: string }> {
    // dockerode would gzip a directory's tar; to a daemon on this machine that is CPU spent for
    // nothing (it was most of an unchanged rebuild's time), so the directory goes as a plain tar.
    const context = "contextDir" in options ? ((await import("tar-fs")).pack(options.contextDir) as unknown as NodeJS.ReadableStream) : options.tar;
    const log = new BuildLog(options.onLine);
    let output: NodeJS.ReadableStream;
    try {
      output = await this.docker.buildImage(context, {
        t: options.tag,
        dockerfile: options.dockerfile ?? "Dockerfile",
        buildargs: options.buildArgs,
        labels: options.labels,
        nocache: options.noCache,
        rm: true,
        forcerm: true,
        version: "1",
      });
    } catch (err) {
      // The daemon refuses some builds before any step runs, e.g. a missing Dockerfile.
      throw new ImageBuildError(options.tag, undefined, errorText(err), []);
    }
    await readJsonLines(output, (event) => log.handle(event));
    return log.finish(options.tag);
  }

  /** Every "repo:tag" name the daemon has for images of this repository. */
  async imageTags(repo: string): Promise<string[]> {
    const images = await this.docker.listImages({ filters: { reference: [repo] } });
    return images.flatMap((image) => image.RepoTags ?? []).filter((name) => splitTag(name).repo === repo);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { repo, tag } = splitTag(target);
    await this.docker.getImage(source).tag({ repo, tag });
  }

  /** Returns false when there was no such image. */
  async removeImage(nameOrId: string, options: { force?: boolean } = {}): Promise<boolean> {
    try {
      await this.docker.getImage(nameOrId).remove({ force: options.force ?? false });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Runs one command in a throwaway container and collects its output: for probes and tests,
   * not for agent tasks, which need the isolation settings of their own container module.
   */
  async run(image: string, cmd: string[], options: RunOptions = {}): Promise<RunResult> {
    const container = await this.docker.createContainer({
      Image: image,
      Cmd: cmd,
      User: options.user,
      WorkingDir: options.workingDir,
      Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
      Tty: false,
      AttachStdout: true,
      AttachStderr: true,
    });
    try {
      const stdout = collect();
      const stderr = collect();
      const attached = await container.attach({ stream: true, stdout: true, stderr: true });
      const drained = new Promise<void>((resolve) => {
        attached.on("end", resolve);
        attached.on("close", resolve);
      });
      this.docker.modem.demuxStream(attached, stdout.sink, stderr.sink);
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      // The exit status can arrive before the last output does.
      await drained;
      return { exitCode: StatusCode, stdout: stdout.text(), stderr: stderr.text() };
    } finally {
      await container.remove({ force: true });
    }
  }
}

function collect(): { sink: PassThrough; text: () => string } {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 404;
}

function errorText(err: unknown): string {
  const json = (err as { json?: { message?: string } } | undefined)?.json;
  if (json?.message) return json.message;
  return err instanceof Error ? err.message : String(err);
}

/** "repo/name:tag" → parts; the tag defaults to latest, and a registry port is not a tag. */
export function splitTag(name: string): { repo: string; tag: string } {
  const colon = name.lastIndexOf(":");
  if (colon > name.lastIndexOf("/")) return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name, tag: "latest" };
}

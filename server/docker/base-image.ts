import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { debianMirror, debianSources, readAptSources } from "./apt-sources.ts";
import type { DockerEngine } from "./engine.ts";
import { importDebootstrappedRootfs } from "./rootfs.ts";

export const BASE_REPO = "coderflow/base";
export const BASE_LATEST = `${BASE_REPO}:latest`;
export const ROOTFS_TAG = "coderflow/rootfs:bookworm";
const SUITE = "bookworm";
const ONLINE_FROM = "debian:bookworm-slim";
/** The Dockerfile and the files it copies from the source tree. */
const SOURCE_DIR = fileURLToPath(new URL("./base/", import.meta.url));
/** Where Debian keeps locally added CA certificates; the image gets copies (see the Dockerfile). */
const LOCAL_CA_DIR = "/usr/local/share/ca-certificates";
/** Where the image records which agent CLIs work (see base/install-agent-clis.sh). */
export const AGENT_CLI_MANIFEST = "/etc/coderflow/agent-clis";

export type BaseImageOptions = {
  engine: DockerEngine;
  /** Build FROM a debootstrapped rootfs instead of pulling debian:bookworm-slim. */
  offline: boolean;
  onLine?: (line: string) => void;
};

/**
 * The tag the base image has for the current inputs, and whether it exists already, without
 * building anything. Offline, the inputs include the rootfs image, so without one there is no tag.
 */
export async function resolveBaseImage(options: Pick<BaseImageOptions, "engine" | "offline">): Promise<{
  tag: string | undefined;
  exists: boolean;
}> {
  const from = await fromIdentity(options.engine, options.offline);
  if (!from) return { tag: undefined, exists: false };
  const tag = `${BASE_REPO}:${await withBuildContext((dir) => inputHash(dir, from))}`;
  return { tag, exists: await options.engine.imageExists(tag) };
}

/**
 * Makes sure the base image for the current Dockerfile exists and returns its content-hash tag,
 * which is also tagged coderflow/base:latest. Cached: when the tag exists nothing is built.
 * `force` rebuilds from scratch (offline: a fresh debootstrap too), e.g. to pick up newer CLIs.
 */
export async function ensureBaseImage(options: BaseImageOptions & { force?: boolean }): Promise<string> {
  const { engine, offline, force = false } = options;
  const onLine = options.onLine ?? (() => {});
  if (offline && (force || !(await engine.imageExists(ROOTFS_TAG)))) {
    await buildRootfs(engine, onLine);
  }
  const from = await fromIdentity(engine, offline);
  if (!from) throw new Error(`${ROOTFS_TAG} vanished while the base image was being prepared`);
  const tag = await withBuildContext(async (contextDir) => {
    const hash = await inputHash(contextDir, from);
    const tag = `${BASE_REPO}:${hash}`;
    if (!force && (await engine.imageExists(tag))) {
      onLine(`${tag} is up to date`);
      return tag;
    }
    onLine(`building ${tag} from ${offline ? ROOTFS_TAG : ONLINE_FROM}`);
    await engine.buildImage({
      contextDir,
      tag,
      buildArgs: { BASE_IMAGE: offline ? ROOTFS_TAG : ONLINE_FROM },
      labels: { "coderflow.base.inputs": hash, "coderflow.base.from": from },
      noCache: force,
      onLine,
    });
    return tag;
  });
  await engine.tagImage(tag, BASE_LATEST);
  await untagSuperseded(engine, tag, onLine);
  return tag;
}

/**
 * Each change of the inputs leaves the previous base image behind, well over a gigabyte. Only the
 * tag goes: images built FROM it keep their layers, and one a container still uses stays.
 */
async function untagSuperseded(engine: DockerEngine, current: string, onLine: (line: string) => void): Promise<void> {
  for (const name of await engine.imageTags(BASE_REPO)) {
    if (name === current || name === BASE_LATEST) continue;
    try {
      await engine.removeImage(name);
      onLine(`removed superseded ${name}`);
    } catch (err) {
      onLine(`kept superseded ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function buildRootfs(engine: DockerEngine, onLine: (line: string) => void): Promise<void> {
  const sources = await readAptSources();
  const mirror = debianMirror(sources, SUITE);
  if (!mirror) {
    throw new Error(
      `offline base image: no Debian ${SUITE} entry in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources, so there is no mirror to debootstrap from`,
    );
  }
  onLine(`debootstrap ${SUITE} from ${mirror} (a few minutes, once)`);
  await importDebootstrappedRootfs({
    engine,
    tag: ROOTFS_TAG,
    suite: SUITE,
    mirror,
    aptSources: debianSources(sources, SUITE),
    onLine,
  });
}

/**
 * What the image is built FROM, as far as caching is concerned. Offline that is the rootfs
 * image id, so a rebuilt rootfs gives a new base tag; online the name, which the daemon resolves.
 */
async function fromIdentity(engine: DockerEngine, offline: boolean): Promise<string | undefined> {
  return offline ? engine.imageId(ROOTFS_TAG) : ONLINE_FROM;
}

/** The build context: the source files plus the host's local CAs, in a scratch directory. */
async function withBuildContext<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "coderflow-base-"));
  try {
    await cp(SOURCE_DIR, dir, { recursive: true });
    await mkdir(join(dir, "local-ca"));
    await cp(LOCAL_CA_DIR, join(dir, "local-ca"), { recursive: true, dereference: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Hashes everything the build sees, so any change to the inputs gives a new tag. */
async function inputHash(contextDir: string, from: string): Promise<string> {
  const hash = createHash("sha256").update(`from ${from}\n`);
  const files = (await readdir(contextDir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) {
    hash.update(`file ${file.slice(contextDir.length)}\n`).update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 12);
}

/** The agent CLIs the image carries, from its manifest: e.g. { node: "v22.…", claude: "missing" }. */
export async function readAgentClis(engine: DockerEngine, tag: string): Promise<Record<string, string>> {
  const { exitCode, stdout, stderr } = await engine.run(tag, ["cat", AGENT_CLI_MANIFEST]);
  if (exitCode !== 0) throw new Error(`reading ${AGENT_CLI_MANIFEST} from ${tag} failed: ${stderr.trim()}`);
  const entries = stdout
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const);
  return Object.fromEntries(entries);
}

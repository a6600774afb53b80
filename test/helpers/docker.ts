import { resolveBaseImage } from "../../server/docker/base-image.ts";
import { DockerEngine } from "../../server/docker/engine.ts";

const SETUP = "run `bash scripts/ensure-docker.sh && bash scripts/ensure-base-image.sh` first (npm test does)";

let engine: Promise<DockerEngine> | undefined;
let baseImage: Promise<string> | undefined;

/** The real engine; fails the test with what to do when the daemon is not up. */
export function dockerEngine(): Promise<DockerEngine> {
  engine ??= (async () => {
    const candidate = new DockerEngine();
    const ping = await candidate.ping();
    if (!ping.ok) throw new Error(`these tests need a running Docker daemon: ${ping.error}; ${SETUP}`);
    return candidate;
  })();
  return engine;
}

/**
 * The cached offline base image for the current Dockerfile. Tests never build it (that takes
 * minutes); they fail with what to do instead.
 */
export function offlineBaseImage(): Promise<string> {
  baseImage ??= (async () => {
    const { tag, exists } = await resolveBaseImage({ engine: await dockerEngine(), offline: true });
    if (!tag || !exists) throw new Error(`the offline base image ${tag ?? "(no rootfs yet)"} is not built; ${SETUP}`);
    return tag;
  })();
  return baseImage;
}

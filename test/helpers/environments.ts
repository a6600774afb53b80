import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { BASE_LATEST } from "../../server/docker/base-image.ts";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { Builds } from "../../server/environments/builds.ts";
import { EnvironmentRegistry } from "../../server/environments/registry.ts";
import { silentLogger } from "../../server/log.ts";
import { LogStore } from "../../server/logs/store.ts";
import { openDatabase } from "../../server/runtime.ts";
import { SecretCipher } from "../../server/secrets/cipher.ts";
import { EnvironmentSecrets } from "../../server/secrets/secrets.ts";
import { dockerEngine } from "./docker.ts";
import { tempHome } from "./server.ts";
import { environmentJson } from "./setup-repo.ts";

let counter = 0;

/** An environment name no other test (or concurrent run) uses: its images are found and removed by it. */
export function uniqueEnvironmentName(purpose: string): string {
  return `t-${purpose}-${process.pid.toString(36)}-${(counter++).toString(36)}`;
}

/** environment.json for a test environment whose images live in their own repository, coderflow-test/<name>. */
export function testEnvironmentJson(name: string, overrides: Record<string, unknown> = {}) {
  return environmentJson({ name, image_name: `coderflow-test/${name}`, ...overrides });
}

/**
 * The real engine with the cached base image (coderflow/base:latest) present. Tests never make
 * the base image (debootstrap takes minutes); without it they fail saying how to make it.
 */
export async function engineWithBaseImage(): Promise<DockerEngine> {
  const engine = await dockerEngine();
  if (!(await engine.imageExists(BASE_LATEST))) throw new Error(`${BASE_LATEST} does not exist; run \`bash scripts/ensure-base-image.sh\` first (npm test does)`);
  return engine;
}

/**
 * Removes every image a test built for `environment` (each build's tag and :latest), found by
 * the build label and the test's own image repository, so nobody else's images are touched.
 */
export async function removeEnvironmentImages(engine: DockerEngine, environment: string, imageRepo = `coderflow-test/${environment}`): Promise<void> {
  // Images can stack (repositories → post-clone actions → final): children go first, so repeat
  // until a pass removes nothing more.
  for (let pass = 0; pass < 4; pass++) {
    const images = await engine.docker.listImages({ filters: { label: [`coderflow.environment=${environment}`], reference: [imageRepo] } });
    let removed = 0;
    for (const image of images) {
      const done = await engine.removeImage(image.Id, { force: true }).catch((err: { statusCode?: number }) => {
        if (err.statusCode === 409) return false;
        throw err;
      });
      if (done) removed++;
    }
    if (removed === 0 || removed === images.length) return;
  }
}

export type BuildServices = Awaited<ReturnType<typeof openBuildServices>>;

/** The Builds service as the server wires it: a real database file, log store, engine and registry over `setupRoot`. */
export async function openBuildServices(setupRoot: string) {
  const home = tempHome();
  const engine = await engineWithBaseImage();
  const db = await openDatabase(join(home, "coderflow.db"));
  const logs = new LogStore(db);
  const registry = new EnvironmentRegistry(() => setupRoot, silentLogger);
  await registry.reload();
  const secrets = new EnvironmentSecrets(db, new SecretCipher(randomBytes(32)));
  const builds = new Builds({ db, logs, engine, registry, secrets, cacheDir: join(home, "build-cache"), log: silentLogger, baseImage: BASE_LATEST, cacheKeySecret: randomBytes(32) });
  return {
    home,
    engine,
    db,
    logs,
    registry,
    secrets,
    builds,
    async close() {
      registry.close();
      await logs.flush();
      await db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

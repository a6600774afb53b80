import type { Build } from "./builds.ts";
import { redactUrl } from "./checkout.ts";
import type { Environment } from "../setup/load.ts";
import { formatProblem } from "../setup/problems.ts";
import type { SecretDefinition } from "../secrets/secrets.ts";

/** What the API says of an environment: its configuration and state, never secret values. */
export function environmentJson(env: Environment, current: Build | undefined, lastBuild: Build | undefined, secrets: SecretDefinition[]) {
  return {
    name: env.name,
    status: env.problems.length ? "broken" : "ok",
    problems: env.problems.map((p) => ({ ...p, text: formatProblem(p) })),
    description: env.config?.description ?? "",
    default_agent: env.config?.default_agent ?? null,
    image: current ? { tag: current.tag, image_id: current.image_id, build_id: current.id } : null,
    last_build: lastBuild ? buildJson(lastBuild) : null,
    repos: (env.config?.repos ?? []).map((r) => ({ ...r, url: redactUrl(r.url) })),
    tests: env.tests,
    templates: env.templates.map((t) => ({ id: t.id, title: t.title, description: t.description, parameters: t.parameters })),
    skills: env.config?.skills ?? [],
    resources: env.config?.resources ?? null,
    network: env.config?.network ?? null,
    rebuild_schedule: env.config?.rebuild_schedule ?? null,
    // Both origins, as the environment page lists them: .secrets.json and the ones an admin entered.
    secrets: secrets.map((s) => ({ key: s.key, expose_as: s.expose_as, target: s.target, available_for: s.available_for, origin: s.origin })),
  };
}

export function buildJson(b: Build) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return { ...b, created_at: iso(b.created_at), started_at: iso(b.started_at), finished_at: iso(b.finished_at) };
}

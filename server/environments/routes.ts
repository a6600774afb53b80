import type { Context } from "hono";
import type { AppEnv } from "../http/env.ts";
import { RequestError } from "../http/request-error.ts";
import { formBody, formFields } from "../http/forms.ts";
import { render } from "../http/render.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import { escapeHtml, htmlFormat, logEventStream, logText, resumePoint, type LogStreamSource } from "../logs/sse.ts";
import { SecretError, type SecretUse } from "../secrets/secrets.ts";
import type { Services } from "../services.ts";
import { formatProblem } from "../setup/problems.ts";
import { renderMarkdown } from "../views/markdown.ts";
import { BuildRequestError, buildStream, type Build } from "./builds.ts";
import { redactUrl } from "./checkout.ts";
import { buildJson, environmentJson } from "./present.ts";

async function overview(s: Services) {
  return Promise.all(
    s.registry.list().map(async (env) => {
      const [current, [last]] = await Promise.all([s.builds.currentImage(env.name), s.builds.list(env.name, 1)]);
      return { env, current, last };
    }),
  );
}

function buildSource(s: Services, build: Build): LogStreamSource {
  return {
    logs: s.logs,
    stream: buildStream(build.id),
    isFinished: async () => {
      const now = await s.builds.get(build.id);
      return now?.status === "succeeded" || now?.status === "failed";
    },
    status: () => s.builds.statusOf(build.id),
  };
}

/** The build the path names; a 404 (through the app's error handler) when there is none. */
async function findBuild(c: Context<AppEnv>, s: Services): Promise<Build> {
  const id = Number(c.req.param("id"));
  const build = Number.isInteger(id) ? await s.builds.get(id) : undefined;
  if (!build) throw new RequestError(`no build ${c.req.param("id")}`, 404);
  return build;
}

export function environmentRoutes(r: GuardedRoutes, s: Services): void {
  // One format object for every page client, so a batch is serialised once for all of them.
  const liveLogFormat = htmlFormat((st) => s.views.render("environments/build-status", { status: st, escapeHtml }));
  r.get("/environments", "viewer", async (c) =>
    render(c, s, "environments/list", { rows: await overview(s), failure: s.registry.failure, setupProblems: (s.registry.snapshot?.problems ?? []).map(formatProblem), docker: await s.docker.ping() }),
  );

  r.post("/environments/reload", "admin", async (c) => {
    await s.registry.reload();
    return c.redirect("/environments", 303);
  });

  const environmentPage = async (c: Context<AppEnv>, extra: { error?: string } = {}, status: 200 | 400 | 404 = 200) => {
    const env = s.registry.get(c.req.param("name") ?? "");
    if (!env) return c.text(`No environment named "${c.req.param("name")}"`, 404);
    const [current, builds, secrets] = await Promise.all([s.builds.currentImage(env.name), s.builds.list(env.name, 20), s.secrets.list(env)]);
    return render(
      c,
      s,
      "environments/show",
      { env, current, builds, secrets, redactUrl, problems: env.problems.map(formatProblem), readme: env.readme ? await renderMarkdown(env.readme) : null, nextRun: s.scheduler.nextRuns()[env.name] ?? null, error: extra.error ?? null },
      status,
    );
  };
  r.get("/environments/:name", "viewer", (c) => environmentPage(c));

  r.post("/environments/:name/build", "developer", async (c) => {
    try {
      const build = await s.builds.request(c.req.param("name") ?? "", { trigger: "manual", by: c.get("identity")!.user.username });
      return c.redirect(`/builds/${build.id}`, 303);
    } catch (err) {
      if (err instanceof BuildRequestError) return environmentPage(c, { error: err.message }, 400);
      throw err;
    }
  });

  r.post("/environments/:name/secrets", "admin", async (c) => {
    const env = s.registry.get(c.req.param("name") ?? "");
    if (!env) return c.text(`No environment named "${c.req.param("name")}"`, 404);
    const body = await formBody(c);
    const field = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
    const uses = ([] as unknown[]).concat(body.available_for ?? []).filter((u): u is SecretUse => typeof u === "string") as SecretUse[];
    try {
      await s.secrets.set(env.name, { key: field("key").trim(), description: field("description"), expose_as: field("expose_as") === "file" ? "file" : "env_var", target: field("target").trim(), available_for: uses }, field("value"), c.get("identity")!.user.username);
      s.log.info("secret.set", { environment: env.name, key: field("key"), by: c.get("identity")!.user.username });
      return c.redirect(`/environments/${env.name}#secrets`, 303);
    } catch (err) {
      if (err instanceof SecretError) return environmentPage(c, { error: err.message }, 400);
      throw err;
    }
  });

  r.post("/environments/:name/secrets/:key/delete", "admin", async (c) => {
    await s.secrets.remove(c.req.param("name") ?? "", c.req.param("key") ?? "");
    return c.redirect(`/environments/${c.req.param("name")}#secrets`, 303);
  });

  r.get("/builds/:id", "viewer", async (c) => {
    const build = await findBuild(c, s);
    const finished = build.status === "succeeded" || build.status === "failed";
    // Without JavaScript the page shows the log so far; with htmx it streams the rest.
    const lines = await s.logs.read(buildStream(build.id), 0, 20_000);
    return render(c, s, "environments/build", { build, status: s.builds.status(build), lines, finished, lastSeq: lines.at(-1)?.seq ?? 0 });
  });

  r.get("/builds/:id/log/stream", "viewer", async (c) => {
    const build = await findBuild(c, s);
    return logEventStream(c, buildSource(s, build), liveLogFormat);
  });

  // JSON API
  r.get("/api/environments", "viewer", async (c) =>
    c.json(await Promise.all((await overview(s)).map(async ({ env, current, last }) => environmentJson(env, current, last, await s.secrets.list(env))))),
  );

  r.get("/api/environments/:name", "viewer", async (c) => {
    const env = s.registry.get(c.req.param("name") ?? "");
    if (!env) return c.json({ error: `no environment named "${c.req.param("name")}"` }, 404);
    const [current, [last], secrets] = await Promise.all([s.builds.currentImage(env.name), s.builds.list(env.name, 1), s.secrets.list(env)]);
    return c.json(environmentJson(env, current, last, secrets));
  });

  r.post("/api/environments/:name/build", "developer", async (c) => {
    const build = await s.builds.request(c.req.param("name") ?? "", { trigger: "api", by: c.get("identity")!.user.username });
    return c.json({ build_id: build.id, status: build.status, url: `/api/builds/${build.id}` }, 202);
  });

  r.get("/api/builds/:id", "viewer", async (c) => {
    const build = await findBuild(c, s);
    return c.json(buildJson(build));
  });

  r.get("/api/builds/:id/logs", "viewer", async (c) => {
    const build = await findBuild(c, s);
    return c.text(await logText(s.logs, buildStream(build.id), resumePoint(c)), 200, { "Cache-Control": "no-store" });
  });

  r.get("/api/builds/:id/logs/stream", "viewer", async (c) => {
    const build = await findBuild(c, s);
    return logEventStream(c, buildSource(s, build));
  });
}

import type { Context } from "hono";
import { UserError } from "../auth/users.ts";
import { LicenseError } from "../license/license.ts";
import type { AppEnv } from "../http/env.ts";
import { formFields } from "../http/forms.ts";
import { render } from "../http/render.ts";
import type { GuardedRoutes } from "../http/routes.ts";
import type { Services } from "../services.ts";
import { AGENTS as AGENT_NAMES } from "../environments/schema.ts";
import { AgentEndpointError } from "../tasks/agent-keys.ts";

export function adminRoutes(r: GuardedRoutes, s: Services): void {
  r.get("/admin", "admin", (c) => c.redirect("/admin/users", 303));
  r.get("/admin/users", "admin", (c) => usersPage(c, s));

  r.post("/admin/users", "admin", async (c) => {
    const form = await formFields(c);
    try {
      const user = await s.users.create({ username: form.username, email: form.email, name: form.name, role: form.role, password: form.password });
      s.log.info("user.created", { username: user.username, role: user.role, by: c.get("identity")!.user.username });
      return c.redirect("/admin/users", 303);
    } catch (err) {
      if (err instanceof UserError) return usersPage(c, s, { error: err.message, form: { ...form, password: "" } }, 400);
      throw err;
    }
  });

  const userAction = (path: string, action: (id: number, form: Record<string, string>) => Promise<void>) =>
    r.post(`/admin/users/:id/${path}`, "admin", async (c) => {
      const id = Number(c.req.param("id"));
      const target = await s.users.byId(id);
      if (!target) return c.text(`No user with id ${c.req.param("id")}`, 404);
      try {
        await action(id, await formFields(c));
        s.log.info(`user.${path}`, { username: target.username, by: c.get("identity")!.user.username });
        return c.redirect("/admin/users", 303);
      } catch (err) {
        if (err instanceof UserError) return usersPage(c, s, { error: `${target.username}: ${err.message}` }, 400);
        throw err;
      }
    });
  userAction("role", (id, form) => s.users.setRole(id, form.role));
  userAction("disable", (id) => s.users.setDisabled(id, true));
  userAction("enable", (id) => s.users.setDisabled(id, false));
  userAction("password", (id, form) => s.users.setPassword(id, form.password ?? ""));

  r.get("/admin/api-keys", "admin", async (c) => render(c, s, "admin/api-keys", { keys: await s.apiKeys.list() }));
  r.post("/admin/api-keys/:id/revoke", "admin", async (c) => {
    await s.apiKeys.revoke(Number(c.req.param("id")));
    return c.redirect("/admin/api-keys", 303);
  });

  r.get("/admin/agents", "admin", async (c) => agentsPage(c, s));
  // The page's forms send either an agent's key or its model endpoint: only the field sent is changed.
  r.post("/admin/agents", "admin", async (c) => {
    const form = await formFields(c);
    const agent = form.agent ?? "";
    if (!AGENT_NAMES.includes(agent as never)) return c.text(`Unknown agent "${agent}"`, 400);
    if (form.base_url !== undefined) {
      try {
        await s.agentKeys.setBaseUrl(agent, form.base_url);
      } catch (err) {
        if (err instanceof AgentEndpointError) return agentsPage(c, s, `${agent}: ${err.message}`, 400);
        throw err;
      }
      s.log.info("agent_endpoint.set", { agent, base_url: form.base_url.trim() || null, by: c.get("identity")!.user.username });
    } else {
      await s.agentKeys.set(agent, form.api_key ?? "");
      s.log.info("agent_key.set", { agent, cleared: !form.api_key?.trim(), by: c.get("identity")!.user.username });
    }
    return c.redirect("/admin/agents", 303);
  });

  r.get("/admin/license", "admin", (c) => licensePage(c, s));
  r.post("/admin/license", "admin", async (c) => {
    const form = await formFields(c);
    try {
      const license = await s.license.install(form.key ?? "");
      s.log.info("license.installed", { licensee: license.licensee, seats: license.seats, expires: license.expires });
      return c.redirect("/admin/license", 303);
    } catch (err) {
      if (err instanceof LicenseError) return licensePage(c, s, err.message, 400);
      throw err;
    }
  });
}

async function usersPage(c: Context<AppEnv>, s: Services, extra: { error?: string; form?: Record<string, string> } = {}, status: 200 | 400 = 200) {
  const [users, license] = await Promise.all([s.users.list(), s.license.status()]);
  return render(c, s, "admin/users", { users, license, error: extra.error ?? null, form: extra.form ?? {} }, status);
}

async function agentsPage(c: Context<AppEnv>, s: Services, error: string | null = null, status: 200 | 400 = 200) {
  const [configured, baseUrls] = await Promise.all([s.agentKeys.configured(), s.agentKeys.baseUrls()]);
  return render(c, s, "admin/agents", { agents: AGENT_NAMES, configured, baseUrls, error }, status);
}

async function licensePage(c: Context<AppEnv>, s: Services, error: string | null = null, status: 200 | 400 = 200) {
  const [license, active] = await Promise.all([s.license.status(), s.users.activeCount()]);
  return render(c, s, "admin/license", { license, active, error }, status);
}

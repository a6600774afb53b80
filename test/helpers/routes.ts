import { rmSync } from "node:fs";
import { createApp } from "../../server/app.ts";
import type { RouteRule } from "../../server/http/routes.ts";
import { silentLogger } from "../../server/log.ts";
import { openServices } from "../../server/runtime.ts";
import { tempHome } from "./server.ts";

/**
 * The app's routes as Hono registered them ("METHOD /path", global middleware left out)
 * and the access rules the app declared, from the real createApp over a throwaway home.
 */
export async function appRoutes(): Promise<{ registered: string[]; rules: RouteRule[] }> {
  const home = tempHome();
  const services = await openServices({ home, env: { CODERFLOW_HOME: home }, log: silentLogger, clientAddress: () => "127.0.0.1" });
  try {
    const { app, rules } = createApp(services);
    const registered = app.routes.filter((r) => !(r.method === "ALL" && r.path === "/*")).map((r) => `${r.method} ${r.path}`);
    return { registered: [...new Set(registered)], rules };
  } finally {
    await services.db.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** A route pattern with each :param replaced by valueOf(param). */
export function fillPath(pattern: string, valueOf: (param: string) => string): string {
  return pattern.replace(/:(\w+)/g, (_, param: string) => encodeURIComponent(valueOf(param)));
}

export const isStateChanging = (rule: RouteRule) => !["GET", "HEAD", "OPTIONS"].includes(rule.method);

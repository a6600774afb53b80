import { Cron } from "croner";
import type { Logger } from "../log.ts";
import type { Builds } from "./builds.ts";
import type { EnvironmentRegistry } from "./registry.ts";

/** Keeps one cron job per environment whose rebuild_schedule is enabled, in step with the setup repository. */
export class RebuildScheduler {
  #jobs = new Map<string, { cron: string; timezone: string; job: Cron }>();
  #unsubscribe: (() => void) | undefined;

  constructor(
    private registry: EnvironmentRegistry,
    private builds: Builds,
    private log: Logger,
  ) {}

  start(): void {
    this.sync();
    this.#unsubscribe = this.registry.onChange(() => this.sync());
  }

  /** When each scheduled environment rebuilds next. */
  nextRuns(): Record<string, Date | null> {
    return Object.fromEntries([...this.#jobs].map(([name, { job }]) => [name, job.nextRun()]));
  }

  sync(): void {
    const wanted = new Map<string, { cron: string; timezone: string }>();
    for (const env of this.registry.list()) {
      const schedule = env.config?.rebuild_schedule;
      if (env.problems.length === 0 && schedule?.enabled) wanted.set(env.name, { cron: schedule.cron, timezone: env.config!.timezone });
    }
    for (const [name, entry] of this.#jobs) {
      const next = wanted.get(name);
      if (!next || next.cron !== entry.cron || next.timezone !== entry.timezone) {
        entry.job.stop();
        this.#jobs.delete(name);
      }
    }
    for (const [name, { cron, timezone }] of wanted) {
      if (this.#jobs.has(name)) continue;
      const job = new Cron(cron, { timezone, protect: true }, async () => {
        try {
          const build = await this.builds.request(name, { trigger: "schedule" });
          this.log.info("build.scheduled", { environment: name, build: build.id });
        } catch (err) {
          this.log.warn("build.schedule_failed", { environment: name, error: (err as Error).message });
        }
      });
      this.#jobs.set(name, { cron, timezone, job });
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const { job } of this.#jobs.values()) job.stop();
    this.#jobs.clear();
  }
}

import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "../log.ts";
import { loadSetupRepository, type Environment, type SetupSnapshot } from "../setup/load.ts";
import { formatProblem } from "../setup/problems.ts";

/** The setup repository as last loaded; reloads on change and tells whoever listens. */
export class EnvironmentRegistry {
  snapshot: SetupSnapshot | null = null;
  /** Why nothing could be loaded at all (no setup repository), shown instead of environments. */
  failure: string | null = null;
  #listeners = new Set<(snapshot: SetupSnapshot) => void>();
  #watcher: FSWatcher | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Read on every reload: first start configures the setup repository after the services exist. */
    private rootOf: () => string | undefined,
    private log: Logger,
  ) {}

  get root(): string | undefined {
    return this.rootOf();
  }

  async reload(): Promise<SetupSnapshot | null> {
    if (!this.root) {
      this.failure = "no setup repository is configured (coder-server init <dir>, or config set setup_path <dir>)";
      return null;
    }
    try {
      this.snapshot = await loadSetupRepository(this.root);
      this.failure = null;
    } catch (err) {
      this.failure = `the setup repository ${this.root} cannot be read: ${(err as Error).message}`;
      this.log.error("setup.unreadable", { root: this.root, error: (err as Error).message });
      return null;
    }
    const problems = [...this.snapshot.problems, ...this.snapshot.environments.flatMap((e) => e.problems)];
    this.log.info("setup.loaded", { root: this.root, environments: this.snapshot.environments.length, problems: problems.map(formatProblem) });
    for (const listener of this.#listeners) listener(this.snapshot);
    return this.snapshot;
  }

  list(): Environment[] {
    return this.snapshot?.environments ?? [];
  }

  get(name: string): Environment | undefined {
    return this.list().find((e) => e.name === name);
  }

  onChange(listener: (snapshot: SetupSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reloads a moment after files stop changing (editors write in several steps). */
  watch(delayMs = 300): void {
    const root = this.root;
    if (!root || this.#watcher) return;
    try {
      this.#watcher = watch(root, { recursive: true }, (_event, file) => {
        if (file && (file.startsWith(".git/") || file === ".git")) return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => void this.reload(), delayMs);
      });
      this.#watcher.on("error", (err) => this.log.warn("setup.watch_failed", { error: err.message }));
    } catch (err) {
      this.log.warn("setup.watch_unavailable", { error: (err as Error).message });
    }
  }

  close(): void {
    clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}

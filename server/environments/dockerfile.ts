import type { EnvironmentConfig, RepoConfig } from "./schema.ts";
import { shellQuote } from "../shell.ts";

export function repoPath(repo: RepoConfig): string {
  return repo.path ?? repo.name;
}

/** Directory inside the build context that holds a repository's checkout. */
export function contextRepoDir(repo: RepoConfig): string {
  return `repos/${repo.name}`;
}


/** Shell commands that run each repository's post_clone_action in its directory, as the image's user. */
export function postCloneCommands(config: EnvironmentConfig): string[] {
  return config.repos.filter((r) => r.post_clone_action).map((r) => `cd ${shellQuote(`/workspace/${repoPath(r)}`)} && ${r.post_clone_action}`);
}

/** Up to the repositories: the base image, the organisation's tool lines, the checkouts. */
export function reposStage(config: EnvironmentConfig, baseImage: string): string[] {
  const out = [`FROM ${baseImage}`, "USER root", `ENV TZ=${config.timezone}`];
  out.push(...config.docker_config.pre_clone_instructions);
  for (const repo of config.repos) {
    const target = `/workspace/${repoPath(repo)}`;
    out.push(`COPY --chown=coder:coder ${contextRepoDir(repo)} ${target}`);
    // The copied index holds the server's file stats; refreshing it here (and ignoring inode
    // numbers, which differ per container) saves the task's final diff from rehashing every file.
    out.push(`RUN su coder -c ${shellQuote(`git -C ${target} config core.checkStat minimal && git -C ${target} update-index -q --refresh || true`)}`);
  }
  return out;
}

/** After the post-clone actions: the remaining lines, and the image's user and directory. */
export function finalStage(config: EnvironmentConfig): string[] {
  return ["USER root", ...config.docker_config.post_clone_instructions, "RUN chown coder:coder /workspace /task-output", "USER coder", "WORKDIR /workspace", 'CMD ["bash"]'];
}

/**
 * The whole environment image in one Dockerfile, for environments without build secrets:
 * every step is a cached layer. (With build secrets the actions run in a container instead,
 * so no secret is written into the image's history; see builds.ts.)
 */
export function environmentDockerfile(config: EnvironmentConfig, opts: { baseImage: string }): string {
  const actions = postCloneCommands(config).map((command) => `RUN ${command}`);
  const lines = [...reposStage(config, opts.baseImage), ...(actions.length ? ["USER coder", ...actions] : []), ...finalStage(config)];
  return lines.join("\n") + "\n";
}

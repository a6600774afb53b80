import type { EnvironmentConfig, RepoConfig } from "./schema.ts";

export function repoPath(repo: RepoConfig): string {
  return repo.path ?? repo.name;
}

/** Directory inside the build context that holds a repository's checkout. */
export function contextRepoDir(repo: RepoConfig): string {
  return `repos/${repo.name}`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment image: the base image, the organisation's tool lines, the repositories
 * (checked out on the server, so no credential enters the image) with their post-clone
 * actions, then the remaining lines. Layer order keeps rarely-changing steps first.
 */
export function environmentDockerfile(config: EnvironmentConfig, opts: { baseImage: string; buildSecretNames: string[] }): string {
  const out = [`FROM ${opts.baseImage}`, "USER root", `ENV TZ=${config.timezone}`];
  out.push(...config.docker_config.pre_clone_instructions);
  for (const repo of config.repos) {
    const target = `/workspace/${repoPath(repo)}`;
    out.push(`COPY --chown=coder:coder ${contextRepoDir(repo)} ${target}`);
    // The copied index holds the server's file stats; refreshing it here (and ignoring inode
    // numbers, which differ per container) saves the task's final diff from rehashing every file.
    out.push(`RUN su coder -c ${shellQuote(`git -C ${target} config core.checkStat minimal && git -C ${target} update-index -q --refresh || true`)}`);
  }
  if (config.repos.some((r) => r.post_clone_action)) {
    // Build secrets arrive as build arguments, declared only where the actions run.
    for (const name of opts.buildSecretNames) out.push(`ARG ${name}`);
    out.push("USER coder");
    for (const repo of config.repos) {
      if (repo.post_clone_action) out.push(`RUN cd ${shellQuote(`/workspace/${repoPath(repo)}`)} && ${repo.post_clone_action}`);
    }
    out.push("USER root");
  }
  out.push(...config.docker_config.post_clone_instructions);
  out.push("RUN chown coder:coder /workspace /task-output", "USER coder", "WORKDIR /workspace", 'CMD ["bash"]');
  return out.join("\n") + "\n";
}

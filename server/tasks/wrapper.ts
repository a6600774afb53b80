import type { AgentCommand } from "../agents/types.ts";
import { shellQuote } from "../shell.ts";
import type { BranchCheckout } from "./branches.ts";

export const WRAPPER_PATH = "/opt/coderflow/run.sh";
export const STDIN_PATH = "/opt/coderflow/agent-stdin";


/**
 * The container's command: runs the agent, then records each repository's change against
 * the commit the task started from, so the diff survives the container. `repoPaths` are the
 * repositories' places under /workspace, which may be nested (a repo's `path`, e.g. src/app).
 */
export function wrapperScript(invocation: AgentCommand, repoPaths: string[], checkouts: BranchCheckout[] = []): string {
  const agent = invocation.argv.map(shellQuote).join(" ") + (invocation.stdin !== undefined ? ` < ${STDIN_PATH}` : " < /dev/null");
  const repos = repoPaths.map((p) => shellQuote(`/workspace/${p}`)).join(" ");
  // Switching branches happens before the base commit is recorded, so the diff is against the branch.
  const switches = checkouts
    .map((c) => {
      const fetch = c.bundle ? `git -C ${shellQuote(c.dir)} fetch -q ${shellQuote(c.bundle)} ${shellQuote(`refs/coderflow/${c.branch}`)} && ` : "";
      return `{ ${fetch}git -C ${shellQuote(c.dir)} checkout -q -B ${shellQuote(c.branch)} ${c.commit} && echo ${shellQuote(`on branch ${c.branch} in ${c.dir}`)}; } || { echo ${shellQuote(`cannot switch ${c.dir} to branch ${c.branch}`)}; exit 2; }`;
    })
    .join("\n");
  return `#!/bin/bash
set -u
mkdir -p /task-output/diffs
${switches}
for repo in ${repos}; do
  [ -d "$repo/.git" ] || continue
  name=\${repo#/workspace/}
  key=\${name//\\//_}
  [ -f "/task-output/diffs/.base-$key" ] || git -C "$repo" rev-parse HEAD > "/task-output/diffs/.base-$key" 2>/dev/null
done
cd /workspace
${agent} 2>&1
code=$?
: > /task-output/files-changed.txt
for repo in ${repos}; do
  [ -d "$repo/.git" ] || continue
  name=\${repo#/workspace/}
  key=\${name//\\//_}
  base=$(cat "/task-output/diffs/.base-$key" 2>/dev/null || echo HEAD)
  git -C "$repo" add -A >/dev/null 2>&1
  git -C "$repo" diff --cached --binary "$base" > "/task-output/diffs/$key.diff"
  git -C "$repo" diff --cached --name-only "$base" | sed "s|^|$name/|" >> /task-output/files-changed.txt
done
exit $code
`;
}

import type { AgentCommand } from "../agents/types.ts";

export const WRAPPER_PATH = "/opt/coderflow/run.sh";
export const STDIN_PATH = "/opt/coderflow/agent-stdin";

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The container's command: runs the agent, then records each repository's change against
 * the commit the task started from, so the diff survives the container.
 */
export function wrapperScript(invocation: AgentCommand): string {
  const agent = invocation.argv.map(quote).join(" ") + (invocation.stdin !== undefined ? ` < ${STDIN_PATH}` : " < /dev/null");
  return `#!/bin/bash
set -u
mkdir -p /task-output/diffs
for repo in /workspace/*/; do
  [ -d "$repo/.git" ] || continue
  name=$(basename "$repo")
  [ -f "/task-output/diffs/.base-$name" ] || git -C "$repo" rev-parse HEAD > "/task-output/diffs/.base-$name" 2>/dev/null
done
cd /workspace
${agent} 2>&1
code=$?
: > /task-output/files-changed.txt
for repo in /workspace/*/; do
  [ -d "$repo/.git" ] || continue
  name=$(basename "$repo")
  base=$(cat "/task-output/diffs/.base-$name" 2>/dev/null || echo HEAD)
  git -C "$repo" add -A >/dev/null 2>&1
  git -C "$repo" diff --cached --binary "$base" > "/task-output/diffs/$name.diff"
  git -C "$repo" diff --cached --name-only "$base" | sed "s|^|$name/|" >> /task-output/files-changed.txt
done
exit $code
`;
}

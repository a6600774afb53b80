import type { AgentRunInput } from "./types.ts";

/**
 * What every agent is told after the task's own instructions: where the server collects the summary and the
 * commit message from, and that committing is the server's job (it commits on approval, agents hold no push
 * credentials, and the task's change is read from the working tree).
 */
export function taskPrompt(run: Pick<AgentRunInput, "instructions" | "outputDir" | "attachments">): string {
  const { instructions, outputDir, attachments = [] } = run;
  const attached = attachments.length ? `\n\nFiles attached to this task (read them as you need): ${attachments.join(", ")}` : "";
  return `${instructions.trimEnd()}${attached}

When you have finished:
- Write a short summary of what you changed and why to ${outputDir}/summary.md (Markdown).
- Write a commit message for your changes to ${outputDir}/commit-message.txt: a subject line of at most 72 characters, a blank line, then the body.
- Leave your changes uncommitted in the working tree: do not commit, push or create branches.
`;
}

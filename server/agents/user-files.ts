import { posix } from "node:path";
import type { AgentFile, SkillInput } from "./types.ts";

const SKILL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A skill file's path must stay inside its skill's folder: the runner writes it as the container user. */
function skillFilePath(skillDir: string, skill: SkillInput, relative: string): string {
  const normal = posix.normalize(relative);
  if (posix.isAbsolute(normal) || normal === ".." || normal.startsWith("../")) throw new Error(`skill "${skill.id}": file path "${relative}" leaves the skill's folder`);
  return posix.join(skillDir, normal);
}

/**
 * The standing instructions and skills, in the user-level places a CLI reads them from (its folder in the
 * home directory, not the repositories, so the task's diff holds only the agent's own changes).
 */
export function instructionFiles(opts: { instructionsFile: string; skillsDir: string; agentsMd?: string; skills?: SkillInput[] }): AgentFile[] {
  const files: AgentFile[] = [];
  if (opts.agentsMd?.trim()) files.push({ path: opts.instructionsFile, content: opts.agentsMd });
  for (const skill of opts.skills ?? []) {
    if (!SKILL_ID.test(skill.id)) throw new Error(`skill id "${skill.id}" is not a plain folder name`);
    const dir = posix.join(opts.skillsDir, skill.id);
    for (const file of skill.files) files.push({ path: skillFilePath(dir, skill, file.path), content: file.content });
  }
  return files;
}

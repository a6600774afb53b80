import { parse as parseYaml } from "yaml";
import type { Problem } from "../setup/problems.ts";

export interface Skill {
  id: string;
  name: string;
  description: string;
  /** Directory of the skill relative to the setup repository, with SKILL.md and its supporting files. */
  dir: string;
  body: string;
}

/** SKILL.md: YAML front matter (name, description) between --- lines, then the instructions. */
export function parseSkill(id: string, dir: string, text: string): { skill: Skill } | { problems: Problem[] } {
  const file = `${dir}/SKILL.md`;
  const match = text.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/);
  if (!match) return { problems: [{ file, message: "must start with front matter: ---, name: ..., description: ..., ---" }] };
  let meta: Record<string, unknown>;
  try {
    meta = parseYaml(match[1]) ?? {};
  } catch (err) {
    return { problems: [{ file, message: `front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}` }] };
  }
  const problems: Problem[] = [];
  for (const key of ["name", "description"]) {
    if (typeof meta[key] !== "string" || !(meta[key] as string).trim()) problems.push({ file, field: key, message: "is required in the front matter" });
  }
  if (!match[2].trim()) problems.push({ file, message: "has no instructions after the front matter" });
  if (problems.length) return { problems };
  return { skill: { id, dir, name: String(meta.name), description: String(meta.description), body: match[2] } };
}

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { environmentSchema, secretsSchema, templateSchema, testsSchema, type EnvironmentConfig, type SecretsConfig, type TestsConfig } from "../environments/schema.ts";
import { parseSkill, type Skill } from "../skills/skill.ts";
import { checkTemplate, type TaskTemplate } from "../templates/template.ts";
import type { Problem } from "./problems.ts";
import { parseWith } from "./validate.ts";

export interface Environment {
  name: string;
  /** environments/<name>, relative to the setup repository. */
  dir: string;
  /** Absent when environment.json itself is unusable. */
  config?: EnvironmentConfig & { image_name: string };
  agentsMd: string | null;
  readme: string | null;
  tests: TestsConfig;
  templates: TaskTemplate[];
  secrets: SecretsConfig["secrets"];
  /** Non-empty means the environment is broken: shown as such, never built or used. */
  problems: Problem[];
}

export interface SetupSnapshot {
  root: string;
  environments: Environment[];
  skills: Map<string, Skill>;
  /** Problems outside any one environment (skills, layout). */
  problems: Problem[];
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

async function subdirectories(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function loadSkills(root: string): Promise<{ skills: Map<string, Skill>; problems: Problem[] }> {
  const skills = new Map<string, Skill>();
  const problems: Problem[] = [];
  for (const id of await subdirectories(join(root, "skills"))) {
    const dir = `skills/${id}`;
    const text = await readText(join(root, dir, "SKILL.md"));
    if (text === null) {
      problems.push({ file: `${dir}/SKILL.md`, message: "is missing; every skill directory needs one" });
      continue;
    }
    const parsed = parseSkill(id, dir, text);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else skills.set(id, parsed.skill);
  }
  return { skills, problems };
}

async function loadTemplates(root: string, dir: string, problems: Problem[]): Promise<TaskTemplate[]> {
  const templatesDir = `${dir}/task-templates`;
  let files: string[] = [];
  try {
    files = await readdir(join(root, templatesDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const templates: TaskTemplate[] = [];
  for (const id of [...new Set(files.filter((f) => /\.(md|json)$/.test(f)).map((f) => f.replace(/\.(md|json)$/, "")))].sort()) {
    const mdFile = `${templatesDir}/${id}.md`, jsonFile = `${templatesDir}/${id}.json`;
    const [prompt, json] = await Promise.all([readText(join(root, mdFile)), readText(join(root, jsonFile))]);
    if (prompt === null) {
      problems.push({ file: mdFile, message: `is missing; ${jsonFile} needs the prompt beside it` });
      continue;
    }
    const meta = json === null ? { value: { title: id, description: "", parameters: {} } } : parseWith(templateSchema, json, jsonFile);
    if ("problems" in meta) {
      problems.push(...meta.problems);
      continue;
    }
    const template = { id, prompt, ...meta.value };
    const placeholderProblems = checkTemplate(template, mdFile);
    problems.push(...placeholderProblems);
    if (placeholderProblems.length === 0) templates.push(template);
  }
  return templates;
}

async function loadEnvironment(root: string, name: string, skills: Map<string, Skill>): Promise<Environment> {
  const dir = `environments/${name}`;
  const problems: Problem[] = [];
  const env: Environment = { name, dir, agentsMd: null, readme: null, tests: {}, templates: [], secrets: {}, problems };

  const configFile = `${dir}/environment.json`;
  const configText = await readText(join(root, configFile));
  if (configText === null) {
    problems.push({ file: configFile, message: "is missing" });
  } else {
    const parsed = parseWith(environmentSchema, configText, configFile);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else {
      const config = parsed.value;
      if (config.name !== name) problems.push({ file: configFile, field: "name", message: `is "${config.name}" but the directory is "${name}"; they must match` });
      const seen = new Set<string>();
      config.repos.forEach((repo, i) => {
        if (seen.has(repo.name)) problems.push({ file: configFile, field: `repos[${i}].name`, message: `"${repo.name}" is used by two repositories` });
        seen.add(repo.name);
      });
      config.skills.forEach((id, i) => {
        if (!skills.has(id)) problems.push({ file: configFile, field: `skills[${i}]`, message: `skill "${id}" does not exist (no skills/${id}/SKILL.md)` });
      });
      env.config = { ...config, image_name: config.image_name ?? `coderflow-env/${name}` };
    }
  }

  const testsText = await readText(join(root, dir, "tests.json"));
  if (testsText !== null) {
    const parsed = parseWith(testsSchema, testsText, `${dir}/tests.json`);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else env.tests = parsed.value;
  }

  const secretsText = await readText(join(root, dir, ".secrets.json"));
  if (secretsText !== null) {
    const parsed = parseWith(secretsSchema, secretsText, `${dir}/.secrets.json`);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else env.secrets = parsed.value.secrets;
  }

  env.templates = await loadTemplates(root, dir, problems);
  [env.agentsMd, env.readme] = await Promise.all([readText(join(root, dir, "AGENTS.md")), readText(join(root, dir, "README.md"))]);
  return env;
}

/** Reads and validates the whole setup repository; a broken environment never hides the others. */
export async function loadSetupRepository(root: string): Promise<SetupSnapshot> {
  const { skills, problems } = await loadSkills(root);
  const names = await subdirectories(join(root, "environments"));
  if (names.length === 0) problems.push({ file: "environments/", message: "has no environments; add environments/<name>/environment.json" });
  const environments = await Promise.all(names.map((name) => loadEnvironment(root, name, skills)));
  return { root, environments, skills, problems };
}

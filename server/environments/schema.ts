import { z } from "zod";
import { Cron } from "croner";

export const AGENTS = ["claude", "codex", "gemini", "script"] as const;
export type AgentName = (typeof AGENTS)[number];

const lines = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split("\n")).filter((l) => l.trim() !== ""));

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), "must be a relative path inside /workspace, without ..");

const cronExpression = z.string().superRefine((expr, ctx) => {
  try {
    new Cron(expr, { paused: true });
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `"${expr}" is not a valid cron expression: ${(err as Error).message}` });
  }
});

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "is not an IANA time zone (e.g. UTC, Europe/Berlin)");

export const repoSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, dots, dashes or underscores"),
  url: z.string({ error: "is required (http(s), ssh, or the path of a bare repository on this host)" }).min(1, "is required"),
  branch: z.string().min(1).default("main"),
  allow_branch_selection: z.boolean().default(false),
  git_depth: z.int().min(0).default(0),
  path: relativePath.optional(),
  read_only: z.boolean().default(false),
  post_clone_action: z.string().optional(),
});

export const environmentSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, dashes or underscores"),
  description: z.string().default(""),
  image_name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]*$/, "must be a Docker repository name (lower case, no tag)")
    .optional(),
  default_agent: z.enum(AGENTS, { error: (i) => `${JSON.stringify(i.input)} is not an agent; use one of ${AGENTS.join(", ")}` }),
  timezone: timezone.default("UTC"),
  repos: z.array(repoSchema).default([]),
  docker_config: z
    .strictObject({
      pre_clone_instructions: lines.default([]),
      post_clone_instructions: lines.default([]),
    })
    .default({ pre_clone_instructions: [], post_clone_instructions: [] }),
  skills: z.array(z.string()).default([]),
  rebuild_schedule: z.strictObject({ enabled: z.boolean().default(false), cron: cronExpression }).optional(),
  resources: z
    .strictObject({
      memory: z.string().regex(/^\d+(\.\d+)?[kmg]?$/i, 'must be a size like "4g" or "512m"').default("4g"),
      cpus: z.number().positive().max(256).default(2),
      pids: z.int().min(16).default(1024),
      // Fractions allowed: a quick job may deserve 0.5 minutes, and tests can watch a timeout happen.
      timeout_minutes: z.number().positive().default(120),
    })
    .default({ memory: "4g", cpus: 2, pids: 1024, timeout_minutes: 120 }),
  network: z.enum(["none", "bridge"]).default("bridge"),
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type RepoConfig = z.infer<typeof repoSchema>;

const testCommandSchema = z
  .strictObject({
    description: z.string().default(""),
    command: z.string().optional(),
    commands: z.array(z.string()).optional(),
    parameters: z.record(z.string(), z.unknown()).default({}),
  })
  .refine((t) => Boolean(t.command) !== Boolean(t.commands?.length), "needs exactly one of command or commands[]");

export const testsSchema = z.record(z.string().regex(/^[\w.-]+$/, "test names are letters, digits, dots, dashes"), testCommandSchema);
export type TestsConfig = z.infer<typeof testsSchema>;

const parameterSchema = z.strictObject({
  type: z.enum(["string", "list", "files"]),
  label: z.string().optional(),
  description: z.string().default(""),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.array(z.string())]).optional(),
  options: z.array(z.string()).optional(),
  glob: z.string().optional(),
  start_path: z.string().optional(),
});

export const templateSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().default(""),
  parameters: z.record(z.string().regex(/^\w+$/, "parameter names are letters, digits, underscores"), parameterSchema).default({}),
});
export type TemplateConfig = z.infer<typeof templateSchema>;

export const SECRET_USES = ["tasks", "builds", "tests"] as const;

const secretSchema = z
  .strictObject({
    description: z.string().default(""),
    expose_as: z.enum(["env_var", "file"]),
    target: z.string().min(1),
    value: z.string().optional(),
    source: z
      .string()
      .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/, 'must be "env:VARIABLE" or "file:/absolute/path" on the server')
      .optional(),
    available_for: z.array(z.enum(SECRET_USES)).min(1),
  })
  .refine((s) => !(s.value !== undefined && s.source !== undefined), "give value or source, not both")
  .refine((s) => s.expose_as !== "env_var" || /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.target), "target of an env_var secret must be a variable name")
  .refine((s) => s.expose_as !== "file" || s.target.startsWith("/"), "target of a file secret must be an absolute path in the container");

export const secretsSchema = z.strictObject({ secrets: z.record(z.string().regex(/^[\w.-]+$/), secretSchema) });
export type SecretsConfig = z.infer<typeof secretsSchema>;
export type SecretConfig = SecretsConfig["secrets"][string];

import type { TemplateConfig } from "../environments/schema.ts";
import type { Problem } from "../setup/problems.ts";

export interface TaskTemplate extends TemplateConfig {
  id: string;
  prompt: string;
}

const PLACEHOLDER = /\$\{(\w+)\}/g;

export function placeholders(prompt: string): string[] {
  return [...new Set([...prompt.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** A placeholder used in the prompt but not defined in the .json is an error; the reverse is allowed (optional context). */
export function checkTemplate(template: TaskTemplate, file: string): Problem[] {
  return placeholders(template.prompt)
    .filter((p) => !(p in template.parameters))
    .map((p) => ({ file, field: `\${${p}}`, message: `placeholder is used in the prompt but not defined under "parameters" in ${file.replace(/\.md$/, ".json")}` }));
}

export class TemplateInputError extends Error {}

/** Fills a template's placeholders from the submitted parameters, checking required ones and options. */
export function renderTemplate(template: TaskTemplate, values: Record<string, string | string[] | undefined>): string {
  const filled: Record<string, string> = {};
  for (const [name, spec] of Object.entries(template.parameters)) {
    let value = values[name] ?? spec.default;
    if (Array.isArray(value)) value = value.filter(Boolean);
    const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
    if (empty && spec.required) throw new TemplateInputError(`parameter "${name}" (${spec.label ?? name}) is required`);
    const list = Array.isArray(value) ? value : value ? [value] : [];
    if (spec.options && list.some((v) => !spec.options!.includes(v))) {
      throw new TemplateInputError(`parameter "${name}" must be one of ${spec.options.join(", ")}; got ${list.join(", ")}`);
    }
    filled[name] = list.join(spec.type === "string" ? "" : "\n");
  }
  return template.prompt.replace(PLACEHOLDER, (_, name: string) => filled[name] ?? "");
}

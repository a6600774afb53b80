import type { z } from "zod";
import { parseJson } from "./json.ts";
import type { Problem } from "./problems.ts";

export function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

/** Parses a JSON file's text against a schema; every problem names the file and the field. */
export function parseWith<S extends z.ZodType>(schema: S, text: string, file: string): { value: z.infer<S> } | { problems: Problem[] } {
  const json = parseJson(text, file);
  if ("problems" in json) return json;
  const result = schema.safeParse(json.value);
  if (result.success) return { value: result.data };
  return {
    problems: result.error.issues.map((issue) => {
      const field = fieldPath(issue.path) || undefined;
      const message = issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
      return { file, field, message };
    }),
  };
}

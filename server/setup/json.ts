import { parse, printParseErrorCode, type ParseError } from "jsonc-parser";
import type { Problem } from "./problems.ts";

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Strict JSON (no comments, no trailing commas) with the line and column of each syntax error. */
export function parseJson(text: string, file: string): { value: unknown } | { problems: Problem[] } {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return { value };
  return {
    problems: errors.slice(0, 3).map((e) => ({ file, ...lineAndColumn(text, e.offset), message: `invalid JSON: ${printParseErrorCode(e.error)}` })),
  };
}

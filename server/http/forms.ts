import type { Context } from "hono";

/**
 * The parsed form, repeated fields as arrays. Hono caches the first parse whatever its options,
 * so every reader (the CSRF check included) must ask for the same shape: this one.
 */
export function formBody(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  return c.req.parseBody({ all: true });
}

/**
 * A urlencoded or multipart form's text fields, the first value of each (files are left out).
 * Browsers send a textarea's line breaks as CRLF; every form gets plain newlines (a script
 * agent's bash, a follow-up, a secret would otherwise carry stray CRs).
 */
export async function formFields(c: Context): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(await formBody(c))) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") fields[key] = first.replace(/\r\n?/g, "\n");
  }
  return fields;
}

/** The files of a multipart form field, however many were chosen. */
export async function formFiles(c: Context, name: string): Promise<File[]> {
  const value = (await formBody(c))[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is File => typeof v === "object" && v !== null && v.size > 0);
}

import { RequestError } from "../http/request-error.ts";
import type { Attachment } from "./tasks.ts";

export const ATTACHMENT_DIR = "/task-input";
const MAX_ATTACHMENTS = 20;
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const MAX_ATTACHMENTS_BYTES = 25 * 1024 * 1024;

/** Attachments become files in /task-input, so their names must be plain file names. */
export function checkAttachments(attachments: Attachment[]): Attachment[] {
  if (attachments.length > MAX_ATTACHMENTS) throw new RequestError(`at most ${MAX_ATTACHMENTS} attachments, got ${attachments.length}`);
  const names = new Set<string>();
  let total = 0;
  for (const a of attachments) {
    if (!/^[\w][\w.-]{0,99}$/.test(a.name)) throw new RequestError(`attachment name "${a.name}" must be a plain file name (letters, digits, dots, dashes, underscores)`);
    if (names.has(a.name)) throw new RequestError(`two attachments are named "${a.name}"`);
    if (a.content.byteLength > MAX_ATTACHMENT_BYTES) throw new RequestError(`attachment "${a.name}" is ${a.content.byteLength} bytes; the limit is ${MAX_ATTACHMENT_BYTES}`);
    names.add(a.name);
    total += a.content.byteLength;
  }
  if (total > MAX_ATTACHMENTS_BYTES) throw new RequestError(`attachments total ${total} bytes; the limit is ${MAX_ATTACHMENTS_BYTES}`);
  return attachments;
}

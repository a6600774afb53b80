/** A file or directory to place in a container with putArchive. */
export interface ArchiveEntry {
  /** Absolute path in the container. */
  path: string;
  type?: "file" | "directory";
  content?: string | Uint8Array;
  mode?: number;
  /** Owner (uid and gid); the image's user, 1000, unless said otherwise. */
  uid?: number;
}

/** The entries as one tar, the form the Engine API takes; tar-stream is loaded on first use. */
export async function tarOf(entries: ArchiveEntry[]): Promise<Buffer> {
  const { default: tar } = await import("tar-stream");
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: e.path.replace(/^\//, ""), type: e.type ?? "file", mode: e.mode ?? (e.type === "directory" ? 0o755 : 0o644), uid: e.uid ?? 1000, gid: e.uid ?? 1000 };
    if (header.type === "directory") pack.entry(header);
    else pack.entry(header, typeof e.content === "string" ? e.content : Buffer.from(e.content ?? ""));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

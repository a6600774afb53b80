import type MarkdownIt from "markdown-it";

let md: InstanceType<typeof MarkdownIt> | undefined;

/** Loaded on first use: most requests never render Markdown, and a server need not carry it. */
export async function renderMarkdown(text: string): Promise<string> {
  // html: false escapes raw HTML in the source, so a README cannot inject script into the page.
  md ??= new (await import("markdown-it")).default({ html: false, linkify: true });
  return md.render(text);
}

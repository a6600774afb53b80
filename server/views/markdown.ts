import MarkdownIt from "markdown-it";

// html: false escapes raw HTML in the source, so a README cannot inject script into the page.
const md = new MarkdownIt({ html: false, linkify: true });

export function renderMarkdown(text: string): string {
  return md.render(text);
}

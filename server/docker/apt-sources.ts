import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One apt source entry, from either the deb822 (.sources) or the one-line (.list) format. */
export type AptSource = {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
};

/** Parses deb822 stanzas; stanzas marked "Enabled: no" are left out. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#") || !line.trim()) continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if (!fields.has("uris") || fields.get("enabled")?.toLowerCase() === "no") continue;
    const list = (key: string) => (fields.get(key) ?? "").split(/\s+/).filter(Boolean);
    sources.push({
      types: list("types"),
      uris: list("uris"),
      suites: list("suites"),
      components: list("components"),
      signedBy: fields.get("signed-by"),
    });
  }
  return sources;
}

/** Parses "deb [options] uri suite component..." lines. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const match = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, type, options = "", uri, suite, components] = match;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(options)?.[1];
    sources.push({
      types: [type],
      uris: [uri],
      suites: [suite],
      components: components.split(/\s+/).filter(Boolean),
      signedBy,
    });
  }
  return sources;
}

/** Every source apt itself would read under `etcApt` (normally /etc/apt). */
export async function readAptSources(etcApt = "/etc/apt"): Promise<AptSource[]> {
  const sources: AptSource[] = [];
  const read = async (path: string) => readFile(path, "utf8").catch(() => "");
  sources.push(...parseOneLineSources(await read(join(etcApt, "sources.list"))));
  const dir = join(etcApt, "sources.list.d");
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    // apt ignores other suffixes, such as the ".disabled" that tools leave behind.
    if (name.endsWith(".sources")) sources.push(...parseDeb822Sources(await read(join(dir, name))));
    else if (name.endsWith(".list")) sources.push(...parseOneLineSources(await read(join(dir, name))));
  }
  return sources;
}

/**
 * The Debian entries for `suite` (with its -updates and -security companions). Third-party
 * repositories that reuse the suite name are told apart by a keyring other than Debian's.
 */
export function debianSources(sources: AptSource[], suite: string): AptSource[] {
  const suitePattern = new RegExp(`^${suite}(-updates|-security)?$`);
  return sources
    .filter((s) => s.types.includes("deb"))
    .filter((s) => !s.signedBy || s.signedBy.includes("debian-archive-keyring"))
    .map((s) => ({ ...s, suites: s.suites.filter((x) => suitePattern.test(x)) }))
    .filter((s) => s.suites.length > 0 && s.uris.length > 0);
}

/** The mirror debootstrap should use: the first Debian entry carrying the suite itself. */
export function debianMirror(sources: AptSource[], suite: string): string | undefined {
  return debianSources(sources, suite).find((s) => s.suites.includes(suite))?.uris[0];
}

/** A deb822 file giving a debootstrapped system the same Debian entries as the host. */
export function formatDeb822(sources: AptSource[]): string {
  return sources
    .map((s) =>
      [
        "Types: deb",
        `URIs: ${s.uris.join(" ")}`,
        `Suites: ${s.suites.join(" ")}`,
        `Components: ${(s.components.length ? s.components : ["main"]).join(" ")}`,
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
      ].join("\n"),
    )
    .join("\n\n")
    .concat("\n");
}

// Pure parsing: no Docker needed.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  debianMirror,
  debianSources,
  formatDeb822,
  parseDeb822Sources,
  parseOneLineSources,
  readAptSources,
} from "../../server/docker/apt-sources.ts";

const DEBIAN_SOURCES = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

test("deb822 stanzas, comments and continuation lines", () => {
  const sources = parseDeb822Sources(`${DEBIAN_SOURCES}
Types: deb deb-src
URIs: http://mirror.example/debian
 http://mirror2.example/debian
Suites: bookworm
Components: main contrib
Enabled: no
`);
  assert.is(sources.length, 2);
  assert.equal(sources[0], {
    types: ["deb"],
    uris: ["http://deb.debian.org/debian"],
    suites: ["bookworm", "bookworm-updates"],
    components: ["main"],
    signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
  });
  const continued = parseDeb822Sources("Types: deb\nURIs: http://a.example/debian\n http://b.example/debian\nSuites: bookworm\n");
  assert.equal(continued[0].uris, ["http://a.example/debian", "http://b.example/debian"]);
});

test("one-line entries with options and comments", () => {
  const sources = parseOneLineSources(`# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt bookworm main
deb http://ftp.example/debian bookworm main contrib # trailing comment
deb-src http://ftp.example/debian bookworm main
`);
  assert.is(sources.length, 3);
  assert.equal(sources[0].signedBy, "/usr/share/keyrings/vendor.gpg");
  assert.equal(sources[1], {
    types: ["deb"],
    uris: ["http://ftp.example/debian"],
    suites: ["bookworm"],
    components: ["main", "contrib"],
    signedBy: undefined,
  });
  assert.equal(sources[2].types, ["deb-src"]);
});

test("the mirror is Debian's own, not a vendor repository reusing the suite name", () => {
  const sources = [
    ...parseOneLineSources("deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.example/apt bookworm main\n"),
    ...parseDeb822Sources(DEBIAN_SOURCES),
  ];
  assert.is(debianMirror(sources, "bookworm"), "http://deb.debian.org/debian");
  assert.is(debianMirror(sources, "trixie"), undefined);
  assert.equal(
    debianSources(sources, "bookworm").map((s) => s.suites),
    [["bookworm", "bookworm-updates"], ["bookworm-security"]],
  );
});

test("the image's apt configuration repeats the host's Debian entries", () => {
  const text = formatDeb822(debianSources(parseDeb822Sources(DEBIAN_SOURCES), "bookworm"));
  assert.equal(parseDeb822Sources(text).map((s) => [s.uris[0], s.suites.join(" ")]), [
    ["http://deb.debian.org/debian", "bookworm bookworm-updates"],
    ["http://deb.debian.org/debian-security", "bookworm-security"],
  ]);
});

test("readAptSources reads sources.list and sources.list.d, skipping other suffixes", async () => {
  const etc = await mkdtemp(join(tmpdir(), "coderflow-apt-"));
  try {
    await mkdir(join(etc, "sources.list.d"));
    await writeFile(join(etc, "sources.list"), "deb http://one.example/debian bookworm main\n");
    await writeFile(join(etc, "sources.list.d/debian.sources"), DEBIAN_SOURCES);
    await writeFile(join(etc, "sources.list.d/extra.list"), "deb http://two.example/debian bookworm main\n");
    await writeFile(join(etc, "sources.list.d/old.list.disabled"), "deb http://three.example/debian bookworm main\n");
    const uris = (await readAptSources(etc)).map((s) => s.uris[0]);
    assert.equal(uris, [
      "http://one.example/debian",
      "http://deb.debian.org/debian",
      "http://deb.debian.org/debian-security",
      "http://two.example/debian",
    ]);
  } finally {
    await rm(etc, { recursive: true, force: true });
  }
});

test.run();

// A repository behind HTTP with credentials in its URL (served by the real git http-backend):
// the server clones and fetches it, and the credentials end up nowhere: not in the image, the
// build log, an error message or the API.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bareRepository, type BareRepository } from "../helpers/git.ts";
import { gitHttpServer } from "../helpers/git-http.ts";
import { openBuildServices, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName, type BuildServices } from "../helpers/environments.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { environmentJson as presentEnvironment } from "../../server/environments/present.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("repository over HTTP with credentials");
const PASSWORD = "s3cret-http-token";
const NAME = uniqueEnvironmentName("http");
const BAD = uniqueEnvironmentName("http-bad");
let origin: BareRepository;
let http: Awaited<ReturnType<typeof gitHttpServer>>;
let setup: ReturnType<typeof setupRepoFixture>;
let s: BuildServices;

test.before(reported(async () => {
  origin = await bareRepository({ "README.md": "over http\n" });
  http = await gitHttpServer(origin.url, { user: "ci", password: PASSWORD });
  setup = setupRepoFixture({
    [`environments/${NAME}/environment.json`]: testEnvironmentJson(NAME, { repos: [{ name: "app", url: http.url() }] }),
    [`environments/${BAD}/environment.json`]: testEnvironmentJson(BAD, { repos: [{ name: "app", url: http.url("ci", `wrong-${PASSWORD}`) }] }),
  });
  s = await openBuildServices(setup.root);
}));

test.after(async () => {
  try {
    if (s) await removeEnvironmentImages(s.engine, NAME).catch(() => undefined);
  } finally {
    await s?.close();
    await http?.close();
    setup?.remove();
    origin?.remove();
  }
});

async function storedLines(id: number): Promise<string> {
  return (await s.db.all<{ line: string }>("SELECT line FROM log_lines WHERE stream = ?", [`build:${id}`])).map((r) => r.line).join("\n");
}

test("clones over HTTP with Basic auth; the image's git config and the build log hold no password", async () => {
  const build = await s.builds.wait((await s.builds.request(NAME, { trigger: "test" })).id);
  assert.is(build.status, "succeeded", build.error ?? "");
  assert.ok(http.requests.some((r) => r.includes("git-upload-pack")), "the clone went through git http-backend");
  const config = await s.engine.run(build.image_id!, ["cat", "/workspace/app/.git/config"]);
  assert.match(config.stdout, /url = http:\/\/127\.0\.0\.1:\d+\/origin\.git/);
  assert.not.ok(config.stdout.includes(PASSWORD));
  const readme = await s.engine.run(build.image_id!, ["cat", "/workspace/app/README.md"]);
  assert.is(readme.stdout, "over http\n");
  assert.not.ok((await storedLines(build.id)).includes(PASSWORD));
  const api = JSON.stringify(presentEnvironment(s.registry.get(NAME)!, build, build, []));
  assert.not.ok(api.includes(PASSWORD), "the API shows the URL without its password");
  // A rebuild fetches with the credentials again.
  const again = await s.builds.wait((await s.builds.request(NAME, { trigger: "test" })).id);
  assert.is(again.status, "succeeded", again.error ?? "");
});

test("a wrong password fails the build saying so, without printing the password it tried", async () => {
  const build = await s.builds.wait((await s.builds.request(BAD, { trigger: "test" })).id);
  assert.is(build.status, "failed");
  assert.match(build.error ?? "", /git clone .* failed: .*(Authentication failed|401)/i);
  assert.not.ok((build.error ?? "").includes(PASSWORD));
  assert.not.ok((await storedLines(build.id)).includes(PASSWORD));
});

test.run();

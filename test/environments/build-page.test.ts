// The build pages in Chromium: start a build from the button and watch its log arrive live over htmx's SSE extension.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { DockerEngine } from "../../server/docker/engine.ts";
import { SESSION_COOKIE } from "../../server/http/identify.ts";
import { launchChromium } from "../helpers/chromium.ts";
import { engineWithBaseImage, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName } from "../helpers/environments.ts";
import { bareRepository, type BareRepository } from "../helpers/git.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("build pages in a browser");

const NAME = uniqueEnvironmentName("page");
const SCREENSHOT = "/tmp/coderflow-build.png";

let origin: BareRepository;
let setup: ReturnType<typeof setupRepoFixture>;
let engine: DockerEngine;
let server: TestServer;
let browser: Browser;
let context: BrowserContext;

/** Script errors, refused loads and CSP violations: what a user would not see but a broken page shows. */
async function watchForProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = []);
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...problems, ...(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).map((v) => `CSP: ${v}`)];
}

test.before(reported(async () => {
  engine = await engineWithBaseImage();
  origin = await bareRepository({ "README.md": "# page app\n" });
  setup = setupRepoFixture({
    [`environments/${NAME}/environment.json`]: testEnvironmentJson(NAME, {
      description: "built from the browser",
      // Output spread over a few seconds, so the page is open while lines still arrive.
      repos: [{ name: "app", url: origin.url, post_clone_action: "for i in 1 2 3 4; do echo live line $i; sleep 0.5; done" }],
    }),
  });
  [server, browser] = await Promise.all([startTestServer({ env: { CODERFLOW_SETUP_PATH: setup.root } }), launchChromium()]);
  await server.createUser("dev", "developer");
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addCookies([{ name: SESSION_COOKIE, value: await server.session("dev"), url: server.url }]);
}));

test.after(async () => {
  try {
    await context?.close();
    await browser?.close();
    await server?.stop();
    if (engine) await removeEnvironmentImages(engine, NAME);
  } finally {
    setup?.remove();
    origin?.remove();
  }
});

test("from the environments list to a running build whose log and status update live, without a CSP error", async () => {
  const page = await context.newPage();
  const problems = await watchForProblems(page);

  await page.goto(`${server.url}/environments`);
  const row = page.locator("tr", { has: page.getByRole("link", { name: NAME }) });
  assert.is(await row.locator(".badge").textContent(), "ok");
  assert.match((await row.textContent()) ?? "", /not built/);

  await page.getByRole("link", { name: NAME }).click();
  await page.waitForURL(`${server.url}/environments/${NAME}`);
  assert.is(await page.getByRole("heading", { level: 1 }).textContent(), `Environment ${NAME}`);

  await Promise.all([page.waitForURL(/\/builds\/\d+$/), page.getByRole("button", { name: "Build image" }).click()]);
  const buildId = Number(page.url().split("/").at(-1));
  // The page was served while the build ran, so it is the live form of the page.
  assert.is(await page.locator("#log[hx-sse\\:connect]").count(), 1, "the log is not connected to its stream");

  await page.locator("#log .line", { hasText: "live line 4" }).waitFor({ timeout: 30_000 });
  await page.locator("#build-status", { hasText: "succeeded" }).waitFor({ timeout: 30_000 });

  // Every stored line is on the page once, in order: nothing lost between the first render and the stream.
  const stored = (await (await page.request.get(`${server.url}/api/builds/${buildId}/logs`)).text()).split("\n").slice(0, -1);
  assert.equal(await page.locator("#log .line").allTextContents(), stored);
  assert.is(await page.locator("#build-status").getAttribute("class"), "badge succeeded");

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.equal(await problems(), []);
});

test.run();

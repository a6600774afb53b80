import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

const SCREENSHOT = "/tmp/coderflow-dashboard.png";

let server: TestServer;
let browser: Browser;
let alice: { username: string; password: string };

test.before(reported(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  alice = await server.createUser("alice", "admin");
}));

test.after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Collects what a user would never see but a broken page shows: script errors, CSP refusals, failed loads. */
function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()} ${m.location().url}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  return problems;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/`);
  assert.is(page.url(), `${server.url}/login?next=%2F`, "an anonymous visit lands on the sign-in form");
  await page.getByLabel("Username").fill(alice.username);
  await page.getByLabel("Password").fill(alice.password);
  await Promise.all([page.waitForURL(`${server.url}/`), page.getByRole("button", { name: "Sign in" }).click()]);
  assert.is(await page.getByRole("heading", { level: 1 }).textContent(), "Dashboard");
  assert.match((await page.locator("main").textContent()) ?? "", "Signed in as alice");
}

test("Chromium signs in through the form and shows the dashboard, with no CSP violation or script error", async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 } });
  try {
    // Registered before any page script, so a refused script or style is recorded even if nothing else notices.
    await context.addInitScript(() => {
      const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = []);
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signIn(page);
    assert.is(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx), "object", "htmx loaded under the CSP");
    assert.equal(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations), [], "CSP violations");
    assert.equal(problems, [], "console errors and failed requests");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await context.close();
  }
});

test("signing in and out works with JavaScript disabled", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await signIn(page);
    await Promise.all([page.waitForURL(`${server.url}/login`), page.getByRole("button", { name: "Sign out" }).click()]);
    await page.goto(`${server.url}/`);
    assert.is(page.url(), `${server.url}/login?next=%2F`, "signed out for real");
  } finally {
    await context.close();
  }
});

test.run();

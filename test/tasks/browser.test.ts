// Chromium submits a script task through the form and watches its log arrive live over htmx SSE.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { startTaskHarness, type TaskHarness } from "../helpers/tasks.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("task page in Chromium");

const SCREENSHOT = "/tmp/coderflow-task.png";
// Starting late and spread over a few seconds, so its lines can only reach the page by streaming.
// Typed into a textarea, which the browser submits with CRLF line breaks.
const SCRIPT = `sleep 1
for i in 1 2 3 4 5 6; do echo "tick $i <b>not bold</b>"; sleep 0.4; done
echo "Ticked six times." > /task-output/summary.md`;

let h: TaskHarness;
let browser: Browser;

test.before(reported(async () => {
  [h, browser] = await Promise.all([startTaskHarness("browser"), launchChromium()]);
}));

test.after(async () => {
  await browser?.close();
  await h?.close();
});

test("submit through /tasks/new, land on the task page, see lines stream in and the badge turn completed", async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => (m.type() === "error" ? problems.push(`console: ${m.text()}`) : undefined));

    await page.goto(`${h.server.url}/login`);
    await page.getByLabel("Username").fill("dev");
    await page.getByLabel("Password").fill("dev-password-1");
    await Promise.all([page.waitForURL(`${h.server.url}/`), page.getByRole("button", { name: "Sign in" }).click()]);

    await page.goto(`${h.server.url}/tasks/new?environment=${h.environments[0]}`);
    await page.getByLabel("Agent").selectOption("script");
    await page.getByLabel("Instructions").fill(SCRIPT);
    await Promise.all([page.waitForURL(/\/tasks\/\d+$/), page.getByRole("button", { name: "Submit task" }).click()]);
    const id = Number(new URL(page.url()).pathname.split("/").pop());

    const lines = page.locator("#log .line");
    // The page was rendered before the script printed anything; these arrive over the stream.
    assert.not.ok((await lines.allTextContents()).some((l) => l.startsWith("tick")), "no tick printed yet when the page loaded");
    await lines.filter({ hasText: "tick 1" }).waitFor({ timeout: 20_000 });
    assert.is(await page.locator("#task-status").textContent().then((t) => t?.startsWith("running")), true, "running while ticking");
    await lines.filter({ hasText: "tick 6" }).waitFor({ timeout: 20_000 });
    // Read before the stream ends (and the page reloads): these lines all came in live.
    assert.equal(
      (await lines.allTextContents()).filter((l) => l.startsWith("tick")),
      [1, 2, 3, 4, 5, 6].map((i) => `tick ${i} <b>not bold</b>`),
      "each line once, in order, as text",
    );
    assert.is(await page.locator("#log b").count(), 0, "markup from the log is never rendered");

    await page.locator("#task-status.completed").waitFor({ timeout: 20_000 });
    // At the end of the stream the page reloads as the finished task: summary in, Cancel gone.
    await page.getByRole("heading", { name: "Summary" }).waitFor({ timeout: 5_000 });
    assert.is(await page.locator("article.readme").textContent().then((t) => t?.trim()), "Ticked six times.");
    assert.is(await page.getByRole("button", { name: "Cancel task" }).count(), 0);
    assert.match((await page.locator("dd", { hasText: " s)" }).textContent()) ?? "", / UTC \(\d+ s\)$/);
    assert.equal(await lines.allTextContents(), await h.dev.logLines(id), "the page shows exactly the stored log");
    assert.match((await page.locator("#task-status").textContent()) ?? "", "completed: agent exited with code 0");
    assert.equal(problems, []);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await context.close();
  }
});

test.run();

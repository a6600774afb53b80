// Scheduled rebuilds through croner, building for real from the cached base image.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Build } from "../../server/environments/builds.ts";
import { RebuildScheduler } from "../../server/environments/schedule.ts";
import { silentLogger } from "../../server/log.ts";
import { openBuildServices, removeEnvironmentImages, testEnvironmentJson, uniqueEnvironmentName, type BuildServices } from "../helpers/environments.ts";
import { setupRepoFixture } from "../helpers/setup-repo.ts";
import { eventually } from "../helpers/wait.ts";
import { reported } from "../helpers/hooks.ts";

const test = suite("scheduled rebuilds");

const NAME = uniqueEnvironmentName("schedule");
const EVERY_SECOND = "* * * * * *";

let setup: ReturnType<typeof setupRepoFixture>;
let s: BuildServices;
let scheduler: RebuildScheduler;

const withSchedule = (enabled: boolean) => testEnvironmentJson(NAME, { rebuild_schedule: { enabled, cron: EVERY_SECOND } });

test.before(reported(async () => {
  setup = setupRepoFixture({ [`environments/${NAME}/environment.json`]: withSchedule(true) });
  s = await openBuildServices(setup.root);
  scheduler = new RebuildScheduler(s.registry, s.builds, silentLogger);
}));

test.after(async () => {
  scheduler?.stop();
  try {
    // A build the schedule started must end before its images can go.
    if (s) for (const build of await s.builds.list(NAME)) await s.builds.wait(build.id);
    if (s) await removeEnvironmentImages(s.engine, NAME);
  } finally {
    await s?.close();
    setup?.remove();
  }
});

test("an enabled schedule with a seconds field starts a build with trigger schedule within about two seconds", async () => {
  const started = Date.now();
  scheduler.start();
  assert.ok(scheduler.nextRuns()[NAME] instanceof Date, "the environment has a job");
  assert.not.ok("demo" in scheduler.nextRuns(), "the template's demo environment has its schedule disabled");
  const build = await eventually<Build>("a scheduled build", 2_500, async () => (await s.builds.list(NAME))[0]);
  assert.ok(Date.now() - started <= 2_500);
  assert.is(build.trigger, "schedule");
  assert.is(build.requested_by, null);
  const done = await s.builds.wait(build.id);
  assert.is(done.status, "succeeded", done.error ?? "");
});

test("disabling the schedule in the setup repository and reloading removes the job, and no more builds start", async () => {
  setup.write(`environments/${NAME}/environment.json`, withSchedule(false));
  await s.registry.reload();
  assert.not.ok(NAME in scheduler.nextRuns());
  // A job fired just before the reload may still have started a build: let it settle, then count.
  for (const build of await s.builds.list(NAME)) await s.builds.wait(build.id);
  const before = (await s.builds.list(NAME)).length;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.is((await s.builds.list(NAME)).length, before, "a build started after the schedule was disabled");
});

test.run();

import { suite } from "uvu";
import * as assert from "uvu/assert";
import { loadSetupRepository } from "../../server/setup/load.ts";
import { formatProblem } from "../../server/setup/problems.ts";
import { renderTemplate, TemplateInputError } from "../../server/templates/template.ts";
import { environmentJson, setupRepoFixture } from "../helpers/setup-repo.ts";

const test = suite("setup repository validation");

async function problemsOf(files: Record<string, string | object>, env = "demo"): Promise<string[]> {
  const repo = setupRepoFixture(files);
  try {
    const snapshot = await loadSetupRepository(repo.root);
    const found = snapshot.environments.find((e) => e.name === env);
    return [...(found?.problems ?? []), ...snapshot.problems].map(formatProblem);
  } finally {
    repo.remove();
  }
}

test("the shipped template loads without a single problem", async () => {
  assert.equal(await problemsOf({}), []);
});

test("a JSON syntax error names the file, line and column", async () => {
  const problems = await problemsOf({ "environments/demo/environment.json": '{\n  "name": "demo",\n  "default_agent": "script",,\n}' });
  assert.ok(problems.some((p) => /^environments\/demo\/environment\.json:3:\d+: invalid JSON/.test(p)), problems.join("\n"));
});

test("an unknown agent is named with the allowed ones", async () => {
  const [problem] = await problemsOf({ "environments/demo/environment.json": environmentJson({ default_agent: "copilot" }) });
  assert.match(problem, /environment\.json: default_agent: "copilot" is not an agent; use one of claude, codex, gemini, script/);
});

test("a repository without url is pointed at by index", async () => {
  const [problem] = await problemsOf({ "environments/demo/environment.json": environmentJson({ repos: [{ name: "app" }] }) });
  assert.match(problem, /repos\[0\]\.url: is required/);
});

test("a bad cron expression is refused with the expression", async () => {
  const [problem] = await problemsOf({ "environments/demo/environment.json": environmentJson({ rebuild_schedule: { enabled: true, cron: "every tuesday" } }) });
  assert.match(problem, /rebuild_schedule\.cron: "every tuesday" is not a valid cron expression/);
});

test("an unknown field is reported rather than ignored", async () => {
  const [problem] = await problemsOf({ "environments/demo/environment.json": environmentJson({ defualt_agent: "x" }) });
  assert.match(problem, /unknown field "defualt_agent"/);
});

test("a skill that does not exist is named", async () => {
  const [problem] = await problemsOf({ "environments/demo/environment.json": environmentJson({ skills: ["nope"] }) });
  assert.match(problem, /skills\[0\]: skill "nope" does not exist/);
});

test("a placeholder used in a template but not defined is named with both files", async () => {
  const problems = await problemsOf({ "environments/demo/task-templates/fix-bug.md": "Fix ${bug} in ${component}" });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /task-templates\/fix-bug\.md: \$\{component\}: placeholder is used in the prompt but not defined under "parameters" in .*fix-bug\.json/);
});

test("broken tests.json, template json, secrets and SKILL.md each say what is wrong", async () => {
  const problems = await problemsOf({
    "environments/demo/tests.json": { build: { description: "no command" } },
    "environments/demo/task-templates/fix-bug.json": { title: "", parameters: { bug: { type: "number" } } },
    "environments/demo/.secrets.json": { secrets: { token: { expose_as: "env_var", target: "bad name", value: "x", available_for: ["tasks"] } } },
    "skills/broken/SKILL.md": "no front matter here",
  });
  const text = problems.join("\n");
  assert.match(text, /tests\.json: build: needs exactly one of command or commands\[\]/);
  assert.match(text, /fix-bug\.json: title:/);
  assert.match(text, /fix-bug\.json: parameters\.bug\.type:/);
  assert.match(text, /\.secrets\.json: secrets\.token: target of an env_var secret must be a variable name/);
  assert.match(text, /skills\/broken\/SKILL\.md: must start with front matter/);
});

test("a broken environment does not hide a healthy one", async () => {
  const repo = setupRepoFixture({
    "environments/broken/environment.json": "{ nope",
    "environments/other/environment.json": environmentJson({ name: "other" }),
  });
  try {
    const snapshot = await loadSetupRepository(repo.root);
    const byName = Object.fromEntries(snapshot.environments.map((e) => [e.name, e]));
    assert.ok(byName.broken.problems.length > 0);
    assert.equal(byName.other.problems, []);
    assert.equal(byName.demo.problems, []);
    assert.is(byName.other.config?.image_name, "coderflow-env/other");
  } finally {
    repo.remove();
  }
});

test("template parameters are filled, required ones enforced", () => {
  const template = { id: "t", title: "T", description: "", prompt: "Fix ${bug}; steps:\n${steps}", parameters: { bug: { type: "string" as const, description: "", required: true }, steps: { type: "list" as const, description: "", required: false } } };
  assert.is(renderTemplate(template, { bug: "crash", steps: ["a", "b"] }), "Fix crash; steps:\na\nb");
  assert.throws(() => renderTemplate(template, {}), (e: Error) => e instanceof TemplateInputError && /"bug"/.test(e.message));
});

test.run();

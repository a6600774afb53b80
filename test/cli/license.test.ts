import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateLicenseKeyPair, signLicense, verifyLicense, type LicensePayload } from "../../server/license/license.ts";
import { licenseService } from "../../server/runtime.ts";
import { runCli } from "../helpers/cli.ts";
import { tempHome, withInstallationAccounts } from "../helpers/server.ts";
import { reported } from "../helpers/hooks.ts";

const scratch = tempHome();
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const payload = (fields: Partial<LicensePayload> = {}): LicensePayload => ({ licensee: "Example Corp", seats: 5, expires: isoDay(Date.now() + 365 * DAY), issued: isoDay(Date.now()), ...fields });

let vendor: { publicKey: string; privateKey: string };
let impostor: { publicKey: string; privateKey: string };
test.before(reported(async () => {
  [vendor, impostor] = await Promise.all([generateLicenseKeyPair(), generateLicenseKeyPair()]);
}));

/** The same signature over a payload someone edited: the forgery a customer could try. */
function withEditedPayload(key: string, edit: (p: LicensePayload) => LicensePayload): string {
  const [prefix, body, signature] = key.split(".");
  const original = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(body)));
  return [prefix, encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(edit(original)))), signature].join(".");
}

test("verifyLicense accepts the vendor's key through its expiry day and says why it refuses others", async () => {
  const valid = await signLicense(payload({ expires: "2030-06-30" }), vendor.privateKey);
  const lastMoment = Date.parse("2030-06-30T23:59:59Z");
  assert.equal(await verifyLicense(valid, vendor.publicKey, lastMoment), payload({ expires: "2030-06-30" }));
  const refusals: [string, string, RegExp][] = [
    ["not a key", vendor.publicKey, /^malformed license key: expected CF1\.<payload>\.<signature>$/],
    [valid.replace(/^CF1/, "CF2"), vendor.publicKey, /^malformed license key/],
    [`CF1.${valid.split(".")[1]}`, vendor.publicKey, /^malformed license key/],
    [await signLicense(payload(), impostor.privateKey), vendor.publicKey, /^license signature is not valid/],
    [withEditedPayload(valid, (p) => ({ ...p, seats: 500 })), vendor.publicKey, /^license signature is not valid/],
    [await signLicense(payload({ seats: 0 }), vendor.privateKey), vendor.publicKey, /^license seats must be a positive whole number, got 0$/],
    [await signLicense(payload({ licensee: "" }), vendor.privateKey), vendor.publicKey, /^license has no licensee$/],
    [await signLicense(payload({ expires: "soon" }), vendor.privateKey), vendor.publicKey, /^license expiry must be a date YYYY-MM-DD, got "soon"$/],
  ];
  for (const [key, publicKey, reason] of refusals) {
    await verifyLicense(key, publicKey, lastMoment).then(
      () => assert.unreachable(`accepted ${key}`),
      (err: Error) => assert.match(err.message, reason),
    );
  }
  await verifyLicense(valid, vendor.publicKey, lastMoment + 1000).then(
    () => assert.unreachable("accepted the day after expiry"),
    (err: Error) => assert.is(err.message, "license for Example Corp expired on 2030-06-30"),
  );
});

test("license set/show through the CLI; refused keys store nothing; seats limit create-user", async () => {
  const env = { CODERFLOW_LICENSE_PUBLIC_KEY: vendor.publicKey };
  const [licensed, unlicensed, seated] = ["licensed", "unlicensed", "seated"].map((name) => {
    mkdirSync(join(scratch, name));
    return join(scratch, name);
  });
  const valid = await signLicense(payload(), vendor.privateKey);
  const twoSeats = await signLicense(payload({ seats: 2 }), vendor.privateKey);
  await licenseService(seated, env).install(twoSeats);
  await withInstallationAccounts(seated, async (a) => {
    for (const username of ["ann", "ben"]) await a.users.create({ username, email: `${username}@example.com`, name: username, role: "admin", password: `${username}-password-1` });
  }, env);

  const [installed, showUnlicensed] = await Promise.all([runCli(["license", "set", valid], { home: licensed, env }), runCli(["license", "show"], { home: unlicensed, env })]);
  const expires = payload().expires;
  assert.is(installed.code, 0, installed.stderr);
  assert.is(installed.stdout.trim(), `License installed: Example Corp, 5 seats, expires ${expires}.`);
  assert.is(showUnlicensed.code, 0, showUnlicensed.stderr);
  assert.is(showUnlicensed.stdout.trim(), "Unlicensed: running as the community edition.");
  const stored = readFileSync(join(licensed, "license.key"), "utf8");
  assert.is(stored.trim(), valid);

  const attempts: [what: string, key: string, reason: string][] = [
    ["malformed", "CF1.not-a-key", "malformed license key"],
    ["forged", await signLicense(payload({ seats: 1000 }), impostor.privateKey), "license signature is not valid"],
    ["tampered", withEditedPayload(valid, (p) => ({ ...p, seats: 1000 })), "license signature is not valid"],
    ["expired", await signLicense(payload({ expires: isoDay(Date.now() - 2 * DAY) }), vendor.privateKey), `license for Example Corp expired on ${isoDay(Date.now() - 2 * DAY)}`],
  ];
  const [show, thirdUser, ...refused] = await Promise.all([
    runCli(["license", "show"], { home: licensed, env }),
    runCli(["create-user", "--username=cy", "--email=cy@example.com", "--role=viewer", "--password-stdin"], { home: seated, env, input: "cy-password-1\n" }),
    ...attempts.map(([, key]) => runCli(["license", "set", key], { home: licensed, env })),
  ]);
  assert.is(show.code, 0, show.stderr);
  assert.is(show.stdout.trim(), `Licensed to Example Corp: 5 seats, expires ${expires}.`);
  refused.forEach((result, i) => {
    const [what, , reason] = attempts[i];
    assert.is(result.code, 1, `a ${what} key must be refused`);
    assert.match(result.stderr, `license refused: ${reason}`, `${what}: names the reason`);
    assert.match(result.stderr, "nothing was stored", what);
  });
  assert.is(readFileSync(join(licensed, "license.key"), "utf8"), stored, "the previous license stays");
  assert.not.ok(existsSync(join(licensed, "license.key.tmp")));

  assert.is(thirdUser.code, 1, "a user beyond the licensed seats must be refused");
  assert.match(thirdUser.stderr, "the license allows 2 active users and 2 already exist; disable a user or install a license with more seats");
  assert.equal((await withInstallationAccounts(seated, (a) => a.users.list(), env)).map((u) => u.username), ["ann", "ben"]);
});

test.run();

import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCli } from "../helpers/cli.ts";
import { probeHttp } from "../helpers/probe.ts";
import { startTestServer, tempHome } from "../helpers/server.ts";
import { CHAIN_NAMES, makeCertificateChain, presentedChain, trustedRequest, type CertificateChain } from "../helpers/tls.ts";
import { reported } from "../helpers/hooks.ts";

const scratch = tempHome();
const home = join(scratch, "home");
const certs = join(scratch, "certs");
let chain: CertificateChain;
const runningAsRoot = process.getuid?.() === 0;

test.before(reported(async () => {
  mkdirSync(home);
  mkdirSync(certs);
  chain = await makeCertificateChain(certs);
}));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

test("config set takes the chain and its key, and refuses what cannot serve HTTPS", async () => {
  writeFileSync(join(certs, "notes.txt"), "not a certificate\n");
  writeFileSync(join(certs, "locked.pem"), readFileSync(chain.chain));
  chmodSync(join(certs, "locked.pem"), 0o000);

  // Relative to the current directory, stored absolute.
  let r = await runCli(["config", "set", "ssl_cert_path", "chain.pem"], { home, cwd: certs });
  assert.is(r.code, 0, r.stderr);
  const stored = readFileSync(join(home, "config.json"), "utf8");
  assert.equal(JSON.parse(stored), { ssl_cert_path: chain.chain });

  const refusals: [args: string[], message: string | RegExp][] = [
    [["ssl_cert_path", join(certs, "absent.pem")], `ssl_cert_path: ${join(certs, "absent.pem")} does not exist`],
    [["ssl_cert_path", certs], `ssl_cert_path: ${certs} is a directory, not a file`],
    [["ssl_cert_path", join(certs, "notes.txt")], `ssl_cert_path: ${join(certs, "notes.txt")} is not a PEM certificate`],
    [["ssl_key_path", join(certs, "notes.txt")], `ssl_key_path: ${join(certs, "notes.txt")} is not a PEM private key`],
    [["ssl_key_path", chain.strangerKey], `ssl_key_path: the key in ${chain.strangerKey} does not match the certificate in ${chain.chain}`],
  ];
  // Root reads any file whatever its mode, so an unreadable file cannot be made while running as root.
  if (!runningAsRoot) refusals.push([["ssl_cert_path", join(certs, "locked.pem")], `ssl_cert_path: ${join(certs, "locked.pem")} is not readable by this user`]);
  else console.log("  (tls.test: running as root, the chmod 000 refusal is not checked; the directory refusal covers unreadable paths)");

  const results = await Promise.all(refusals.map(([args]) => runCli(["config", "set", ...args], { home })));
  results.forEach((result, i) => {
    assert.is(result.code, 1, `config set ${refusals[i][0].join(" ")} must be refused`);
    assert.match(result.stderr, refusals[i][1]);
  });
  assert.is(readFileSync(join(home, "config.json"), "utf8"), stored, "refused values leave config.json as it was");

  r = await runCli(["config", "set", "ssl_key_path", chain.leafKey], { home });
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(home, "config.json"), "utf8")), { ssl_cert_path: chain.chain, ssl_key_path: chain.leafKey });
});

test("the configured server speaks only HTTPS, presents the whole chain and sets __Host- Secure cookies", async () => {
  // Serves the installation the previous test configured through the CLI.
  const server = await startTestServer({ home });
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(server.url).port);

    const health = await trustedRequest(`${server.url}/health`, chain.rootPem);
    assert.is(health.status, 200);
    assert.is(JSON.parse(health.body).db.ok, true);
    assert.equal(health.chain, [CHAIN_NAMES.leaf, CHAIN_NAMES.intermediate, CHAIN_NAMES.root]);
    const byName = await trustedRequest(`${server.url}/health`, chain.rootPem, { servername: "localhost" });
    assert.is(byName.status, 200, "the certificate is valid for localhost as well as 127.0.0.1");

    // The client above could fill in the root from its trust store; s_client shows what was sent.
    const presented = await presentedChain(port, chain.rootCert);
    assert.equal(presented.subjects, [CHAIN_NAMES.leaf, CHAIN_NAMES.intermediate, CHAIN_NAMES.root]);
    assert.ok(presented.verified, "openssl verifies the chain against the root alone");

    const withoutRoot = await trustedRequest(`${server.url}/health`, undefined).then(
      () => "connected",
      (err: NodeJS.ErrnoException) => err.code,
    );
    assert.is(withoutRoot, "SELF_SIGNED_CERT_IN_CHAIN", "a client that does not trust the test root must refuse the server");

    const plain = await probeHttp(`http://127.0.0.1:${port}/health`);
    assert.is.not(plain, 200, "plain HTTP must not be served on the HTTPS port");
    assert.type(plain, "string", `plain HTTP got an HTTP answer (${plain}) instead of a failed connection`);

    const alice = await server.createUser("alice", "developer");
    const loginPage = await trustedRequest(`${server.url}/login`, chain.rootPem);
    const csrfCookie = loginPage.headers["set-cookie"]?.find((c) => c.startsWith("__Host-cf_csrf="));
    assert.ok(csrfCookie, `CSRF cookie with the __Host- prefix, got ${loginPage.headers["set-cookie"]}`);
    const token = loginPage.body.match(/name="_csrf" value="([^"]+)"/)![1];
    const login = await trustedRequest(`${server.url}/login`, chain.rootPem, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie.split(";")[0] },
      body: new URLSearchParams({ username: alice.username, password: alice.password, _csrf: token, next: "/" }).toString(),
    });
    assert.is(login.status, 303, login.body);
    const session = login.headers["set-cookie"]?.find((c) => c.startsWith("__Host-cf_session="));
    assert.ok(session, `session cookie with the __Host- prefix, got ${login.headers["set-cookie"]}`);
    const attributes = session.split(";").slice(1).map((a) => a.trim().toLowerCase());
    for (const required of ["secure", "httponly", "samesite=lax", "path=/"]) assert.ok(attributes.includes(required), `session cookie lacks ${required}: ${session}`);
    assert.not.ok(attributes.some((a) => a.startsWith("domain=")), "__Host- cookies must not carry a Domain");

    const dashboard = await trustedRequest(`${server.url}/`, chain.rootPem, { headers: { cookie: session.split(";")[0] } });
    assert.is(dashboard.status, 200);
    assert.match(dashboard.body, /Signed in as <strong>alice<\/strong>/);
  } finally {
    await server.stop();
  }
});

test.run();

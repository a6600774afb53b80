import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

// Extensions a browser-grade verifier insists on: CA flags with path length, key usages, SANs.
const OPENSSL_CONFIG = `
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
`;

export const CHAIN_NAMES = { root: "CoderFlow Test Root CA", intermediate: "CoderFlow Test Intermediate CA", leaf: "localhost" };

export interface CertificateChain {
  rootPem: string;
  rootCert: string;
  /** leaf + intermediate + root, the file ssl_cert_path points at. */
  chain: string;
  leafKey: string;
  /** A valid private key that belongs to no certificate here. */
  strangerKey: string;
}

/** Root CA → intermediate CA → leaf for 127.0.0.1 and localhost, made with openssl in dir. */
export async function makeCertificateChain(dir: string): Promise<CertificateChain> {
  const file = (name: string) => join(dir, name);
  const config = file("openssl.cnf");
  writeFileSync(config, OPENSSL_CONFIG);
  const newKey = (name: string) => run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file(name)]);
  await Promise.all(["root.key", "intermediate.key", "leaf.key", "stranger.key"].map(newKey));
  await run("openssl", ["req", "-x509", "-new", "-key", file("root.key"), "-subj", `/CN=${CHAIN_NAMES.root}`, "-days", "2", "-config", config, "-extensions", "root", "-out", file("root.pem")]);
  const issue = async (name: string, cn: string, issuer: string, extensions: string, serial: string) => {
    await run("openssl", ["req", "-new", "-key", file(`${name}.key`), "-subj", `/CN=${cn}`, "-config", config, "-out", file(`${name}.csr`)]);
    await run("openssl", ["x509", "-req", "-in", file(`${name}.csr`), "-CA", file(`${issuer}.pem`), "-CAkey", file(`${issuer}.key`), "-set_serial", serial, "-days", "2", "-extfile", config, "-extensions", extensions, "-out", file(`${name}.pem`)]);
  };
  await issue("intermediate", CHAIN_NAMES.intermediate, "root", "intermediate", "2");
  await issue("leaf", CHAIN_NAMES.leaf, "intermediate", "leaf", "3");
  const rootPem = readFileSync(file("root.pem"), "utf8");
  writeFileSync(file("chain.pem"), ["leaf.pem", "intermediate.pem", "root.pem"].map((n) => readFileSync(file(n), "utf8")).join(""));
  return { rootPem, rootCert: file("root.pem"), chain: file("chain.pem"), leafKey: file("leaf.key"), strangerKey: file("stranger.key") };
}

export interface TrustedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Common names from the leaf up, as the client's verified view of the chain. */
  chain: string[];
}

/** One HTTPS request on a fresh connection that trusts only `ca`, or the system store without it; never rejectUnauthorized: false. */
export function trustedRequest(url: string, ca: string | undefined, init: { method?: string; headers?: Record<string, string>; body?: string; servername?: string } = {}): Promise<TrustedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, method: init.method ?? "GET", headers: init.headers, servername: init.servername }, (res) => {
      const chain: string[] = [];
      for (let cert: DetailedPeerCertificate | undefined = (res.socket as TLSSocket).getPeerCertificate(true); cert?.subject; cert = cert.issuerCertificate) {
        chain.push(String(cert.subject.CN));
        if (cert.issuerCertificate === cert) break;
      }
      let body = "";
      res.setEncoding("utf8").on("data", (s: string) => (body += s));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body, chain }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Subjects of the certificates the server sends, as `openssl s_client` sees them, and whether it verified. */
export async function presentedChain(port: number, caFile: string): Promise<{ subjects: string[]; verified: boolean }> {
  const child = run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", caFile, "-verify_return_error", "-showcerts"], { timeout: 10_000 });
  child.child.stdin!.end();
  const { stdout } = await child;
  const subjects = [...stdout.matchAll(/^\s*\d+ s:(.*)$/gm)].map((m) => m[1].replace(/^CN\s*=\s*/, "").trim());
  return { subjects, verified: /Verify return code: 0 \(ok\)/.test(stdout) };
}

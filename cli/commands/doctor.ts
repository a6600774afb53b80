import type { CAC } from "cac";
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { checkKeyMatches, describeCertificate } from "../../server/config/tls.ts";
import { explainListenError } from "../../server/listen.ts";
import { DockerEngine } from "../../server/docker/engine.ts";
import { licenseService } from "../../server/runtime.ts";
import { CliError } from "../errors.ts";
import { installation, type Installation } from "../installation.ts";

type Check = { name: string; ok: boolean; warn?: boolean; detail: string };

async function checkDocker(): Promise<Check> {
  const status = await new DockerEngine().ping();
  if (status.ok) return { name: "docker", ok: true, detail: `engine ${status.version} reachable` };
  const socket = "/var/run/docker.sock";
  let detail = status.error ?? "unreachable";
  if (existsSync(socket) && process.getuid?.() !== 0) {
    const gid = statSync(socket).gid;
    if (!process.getgroups?.().includes(gid)) detail += `; this user is not in the socket's group (gid ${gid}): sudo usermod -aG docker $USER, then log in again`;
  }
  return { name: "docker", ok: false, detail };
}

async function checkGit(): Promise<Check> {
  try {
    const { stdout } = await promisify(execFile)("git", ["--version"]);
    return { name: "git", ok: true, detail: stdout.trim() };
  } catch {
    return { name: "git", ok: false, detail: "git is not installed or not on PATH (apt-get install git)" };
  }
}

function checkSetup(inst: Installation): Check {
  const path = inst.config.get("setup_path") as string | undefined;
  if (!path) return { name: "setup repository", ok: true, warn: true, detail: `not configured; start will create one under ${inst.paths.defaultSetup}, or run coder-server init <dir>` };
  if (!existsSync(path)) return { name: "setup repository", ok: false, detail: `${path} does not exist; fix setup_path or run coder-server init <dir>` };
  if (!existsSync(join(path, ".git"))) return { name: "setup repository", ok: false, detail: `${path} is not a git repository` };
  return { name: "setup repository", ok: true, detail: path };
}

function checkPort(inst: Installation): Promise<Check> {
  const port = Number(inst.config.get("server_port"));
  const host = String(inst.config.get("server_host"));
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => resolve({ name: "port", ok: false, detail: explainListenError(err, host, port) }));
    probe.listen(port, host, () => probe.close(() => resolve({ name: "port", ok: true, detail: `${host}:${port} can be bound` })));
  });
}

function checkCertificate(inst: Installation): Check {
  const cert = inst.config.get("ssl_cert_path") as string | undefined;
  const key = inst.config.get("ssl_key_path") as string | undefined;
  if (!cert && !key) return { name: "certificate", ok: true, detail: "not configured: serving plain HTTP" };
  if (!cert || !key) return { name: "certificate", ok: false, detail: `only ${cert ? "ssl_cert_path" : "ssl_key_path"} is set; HTTPS needs both` };
  try {
    checkKeyMatches(cert, key);
    const report = describeCertificate(cert);
    const detail = `${report.subject}, chain of ${report.chainLength}, valid to ${report.validTo.toISOString().slice(0, 10)}`;
    if (report.daysLeft < 0) return { name: "certificate", ok: false, detail: `${detail}: EXPIRED` };
    return { name: "certificate", ok: true, warn: report.daysLeft < 30, detail: report.daysLeft < 30 ? `${detail}: expires in ${report.daysLeft} days` : detail };
  } catch (err) {
    return { name: "certificate", ok: false, detail: (err as Error).message };
  }
}

async function checkLicense(inst: Installation): Promise<Check> {
  const status = await licenseService(inst.home, process.env).status();
  if (status.state === "licensed") return { name: "license", ok: true, detail: `${status.license.licensee}, ${status.license.seats} seats, expires ${status.license.expires}` };
  if (status.state === "invalid") return { name: "license", ok: false, detail: status.reason };
  return { name: "license", ok: true, warn: true, detail: "unlicensed: community edition" };
}

export function registerDoctorCommand(cli: CAC): void {
  cli.command("doctor", "Check Docker, git, the setup repository, the port, the certificate and the license").action(async () => {
    const inst = installation();
    const checks = await Promise.all([checkDocker(), checkGit(), checkSetup(inst), checkPort(inst), checkCertificate(inst), checkLicense(inst)]);
    for (const c of checks) console.log(`${c.ok ? (c.warn ? "warn" : "ok  ") : "FAIL"}  ${c.name}: ${c.detail}`);
    const failed = checks.filter((c) => !c.ok).length;
    if (failed) throw new CliError(`${failed} check${failed === 1 ? "" : "s"} failed`);
  });
}

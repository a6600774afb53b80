import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";

function readPem(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${what} ${path} does not exist`);
    if (code === "EACCES") throw new Error(`${what} ${path} is not readable by this user`);
    if (code === "EISDIR") throw new Error(`${what} ${path} is a directory, not a file`);
    throw new Error(`${what} ${path} cannot be read: ${(err as Error).message}`);
  }
  return text;
}

/** Parses a PEM chain (certificate, intermediates, root) and returns its certificates in order. */
export function checkCertificate(path: string): X509Certificate[] {
  const text = readPem(path, "ssl_cert_path:");
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new Error(`ssl_cert_path: ${path} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`);
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new Error(`ssl_cert_path: certificate #${i + 1} in ${path} cannot be parsed: ${(err as Error).message}`);
    }
  });
}

export function checkPrivateKey(path: string): KeyObject {
  const text = readPem(path, "ssl_key_path:");
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new Error(`ssl_key_path: ${path} is not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" block)`);
  try {
    return createPrivateKey(text);
  } catch (err) {
    throw new Error(`ssl_key_path: ${path} cannot be parsed as a private key: ${(err as Error).message}`);
  }
}

export function checkKeyMatches(certPath: string, keyPath: string): void {
  const [leaf] = checkCertificate(certPath);
  const key = checkPrivateKey(keyPath);
  if (!leaf.checkPrivateKey(key)) throw new Error(`ssl_key_path: the key in ${keyPath} does not match the certificate in ${certPath}`);
}

export interface CertificateReport {
  subject: string;
  validTo: Date;
  daysLeft: number;
  chainLength: number;
}

export function describeCertificate(certPath: string, now = Date.now()): CertificateReport {
  const chain = checkCertificate(certPath);
  const validTo = new Date(chain[0].validTo);
  return { subject: chain[0].subject.replace(/\n/g, ", "), validTo, daysLeft: Math.floor((validTo.getTime() - now) / 86_400_000), chainLength: chain.length };
}

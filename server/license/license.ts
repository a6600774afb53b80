import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

/**
 * Offline license keys: CF1.<payload>.<signature>, base64url, the payload being JSON
 * signed with the vendor's Ed25519 key. Verification needs only the public key.
 */
export interface LicensePayload {
  licensee: string;
  seats: number;
  /** ISO date (YYYY-MM-DD); the license is valid through the end of that day, UTC. */
  expires: string;
  issued: string;
}

export class LicenseError extends Error {}

// The vendor's public key. CODERFLOW_LICENSE_PUBLIC_KEY replaces it (staging and tests).
export const VENDOR_PUBLIC_KEY = "3-4me_P8xTjwMf52KuRXfkQKyTqaqc7h-Oz2V5M-93U";

const PREFIX = "CF1";
const text = new TextEncoder();

async function importPublicKey(base64url: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", decodeBase64urlIgnorePadding(base64url) as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["verify"]);
}

export function expiryTime(payload: LicensePayload): number {
  return Date.parse(`${payload.expires}T23:59:59.999Z`);
}

/** Checks form, signature, fields and expiry; throws a LicenseError that says which failed. */
export async function verifyLicense(key: string, publicKey: string, now = Date.now()): Promise<LicensePayload> {
  const parts = key.trim().split(".");
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new LicenseError(`malformed license key: expected ${PREFIX}.<payload>.<signature>`);
  let payloadBytes: Uint8Array, signature: Uint8Array;
  try {
    payloadBytes = decodeBase64urlIgnorePadding(parts[1]);
    signature = decodeBase64urlIgnorePadding(parts[2]);
  } catch {
    throw new LicenseError("malformed license key: payload or signature is not base64url");
  }
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, await importPublicKey(publicKey), signature as BufferSource, text.encode(`${PREFIX}.${parts[1]}`));
  if (!valid) throw new LicenseError("license signature is not valid: this key was not issued by the vendor or was altered");
  let payload: LicensePayload;
  try {
    payload = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch {
    throw new LicenseError("malformed license key: payload is not JSON");
  }
  if (typeof payload.licensee !== "string" || !payload.licensee) throw new LicenseError("license has no licensee");
  if (!Number.isInteger(payload.seats) || payload.seats < 1) throw new LicenseError(`license seats must be a positive whole number, got ${JSON.stringify(payload.seats)}`);
  if (typeof payload.expires !== "string" || Number.isNaN(expiryTime(payload))) throw new LicenseError(`license expiry must be a date YYYY-MM-DD, got ${JSON.stringify(payload.expires)}`);
  if (now > expiryTime(payload)) throw new LicenseError(`license for ${payload.licensee} expired on ${payload.expires}`);
  return payload;
}

/** Vendor side: signs a payload with an Ed25519 private key (PKCS#8, base64url). */
export async function signLicense(payload: LicensePayload, privateKeyPkcs8: string): Promise<string> {
  const key = await crypto.subtle.importKey("pkcs8", decodeBase64urlIgnorePadding(privateKeyPkcs8) as Uint8Array<ArrayBuffer>, { name: "Ed25519" }, false, ["sign"]);
  const body = encodeBase64urlNoPadding(text.encode(JSON.stringify(payload)));
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, text.encode(`${PREFIX}.${body}`)));
  return `${PREFIX}.${body}.${encodeBase64urlNoPadding(signature)}`;
}

export async function generateLicenseKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return {
    publicKey: encodeBase64urlNoPadding(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey))),
    privateKey: encodeBase64urlNoPadding(new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey))),
  };
}

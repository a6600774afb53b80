import { LicenseError, VENDOR_PUBLIC_KEY, verifyLicense, type LicensePayload } from "./license.ts";

export type LicenseStatus =
  | { state: "unlicensed" }
  | { state: "licensed"; license: LicensePayload }
  | { state: "invalid"; reason: string };

/** Where the key is kept; the CLI and the server share the file in CODERFLOW_HOME. */
export interface LicenseFile {
  read(): Promise<string | null>;
  write(key: string): Promise<void>;
}

// Pages ask for the status on every request, and reading the key costs a file open (a thrown
// ENOENT when there is none) plus a signature check: it dominated the dashboard's profile. A key
// set by the CLI in another process shows within this time; one installed here at once.
const STATUS_TTL_MS = 3000;

export class LicenseService {
  #cached?: { at: number; status: Promise<LicenseStatus> };

  constructor(
    private file: LicenseFile,
    private publicKey = VENDOR_PUBLIC_KEY,
    private now: () => number = Date.now,
  ) {}

  status(): Promise<LicenseStatus> {
    const now = this.now();
    if (!this.#cached || now - this.#cached.at >= STATUS_TTL_MS) this.#cached = { at: now, status: this.#read() };
    return this.#cached.status;
  }

  async #read(): Promise<LicenseStatus> {
    const key = await this.file.read();
    if (!key) return { state: "unlicensed" };
    try {
      return { state: "licensed", license: await verifyLicense(key, this.publicKey, this.now()) };
    } catch (err) {
      return { state: "invalid", reason: (err as Error).message };
    }
  }

  /** Verifies and stores a key; a refused key leaves the stored one untouched. */
  async install(key: string): Promise<LicensePayload> {
    const license = await verifyLicense(key, this.publicKey, this.now());
    await this.file.write(key.trim());
    this.#cached = undefined;
    return license;
  }

  /** Seats the license allows; the community edition (no valid license) has no seat limit. */
  async seats(): Promise<number | null> {
    const status = await this.status();
    return status.state === "licensed" ? status.license.seats : null;
  }
}

export { LicenseError };

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

export class LicenseService {
  constructor(
    private file: LicenseFile,
    private publicKey = VENDOR_PUBLIC_KEY,
    private now: () => number = Date.now,
  ) {}

  async status(): Promise<LicenseStatus> {
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
    return license;
  }

  /** Seats the license allows; the community edition (no valid license) has no seat limit. */
  async seats(): Promise<number | null> {
    const status = await this.status();
    return status.state === "licensed" ? status.license.seats : null;
  }
}

export { LicenseError };

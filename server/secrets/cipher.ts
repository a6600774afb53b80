import { decodeBase64, encodeBase64 } from "@oslojs/encoding";

/** AES-256-GCM under a key derived from the installation secret; the IV travels with the text. */
export class SecretCipher {
  #key: Promise<CryptoKey>;

  constructor(installationSecret: Uint8Array) {
    this.#key = crypto.subtle
      .importKey("raw", installationSecret as Uint8Array<ArrayBuffer>, "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("coderflow secrets v1") },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
  }

  async encrypt(plain: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await this.#key, new TextEncoder().encode(plain)));
    return `v1:${encodeBase64(iv)}:${encodeBase64(sealed)}`;
  }

  async decrypt(stored: string): Promise<string> {
    const [version, iv, sealed] = stored.split(":");
    if (version !== "v1" || !iv || !sealed) throw new Error("stored secret has an unknown format");
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: decodeBase64(iv) as Uint8Array<ArrayBuffer> }, await this.#key, decodeBase64(sealed) as Uint8Array<ArrayBuffer>);
    return new TextDecoder().decode(plain);
  }
}

import type { CAC } from "cac";
import { LicenseError } from "../../server/license/license.ts";
import { licenseService } from "../../server/runtime.ts";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";

export function registerLicenseCommands(cli: CAC): void {
  cli.command("license <action> [key]", "License: set <key> (verified offline), show").action(async (action: string, key?: string) => {
    const license = licenseService(installation().home, process.env);
    if (action === "set") {
      if (!key) throw new CliError("usage: coder-server license set <license-key>", 2);
      try {
        const payload = await license.install(key);
        console.log(`License installed: ${payload.licensee}, ${payload.seats} seats, expires ${payload.expires}.`);
      } catch (err) {
        if (err instanceof LicenseError) throw new CliError(`license refused: ${err.message}; nothing was stored`);
        throw err;
      }
    } else if (action === "show") {
      const status = await license.status();
      if (status.state === "licensed") console.log(`Licensed to ${status.license.licensee}: ${status.license.seats} seats, expires ${status.license.expires}.`);
      else if (status.state === "invalid") throw new CliError(`the installed license is not valid: ${status.reason}`);
      else console.log("Unlicensed: running as the community edition.");
    } else {
      throw new CliError(`unknown license action "${action}"; use set or show`, 2);
    }
  });
}

import type { CAC } from "cac";
import { registerAccountCommands } from "./accounts.ts";
import { registerBaseImageCommands } from "./base-image.ts";
import { registerBuildCommand } from "./build.ts";
import { registerConfigCommands } from "./config.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerLicenseCommands } from "./license.ts";
import { registerStartCommand } from "./start.ts";
import { registerTaskCommands } from "./task.ts";

/** Each command module adds its commands to the CLI. */
export type RegisterCommands = (cli: CAC) => void;

export const commands: RegisterCommands[] = [registerConfigCommands, registerLicenseCommands, registerAccountCommands, registerStartCommand, registerDoctorCommand, registerBaseImageCommands, registerBuildCommand, registerTaskCommands];

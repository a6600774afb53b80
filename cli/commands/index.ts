import type { CAC } from "cac";

/** Each command module adds its commands to the CLI. */
export type RegisterCommands = (cli: CAC) => void;

export const commands: RegisterCommands[] = [];

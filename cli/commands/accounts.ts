import type { CAC } from "cac";
import { UserError } from "../../server/auth/users.ts";
import { accountServices, licenseService, openDatabase } from "../../server/runtime.ts";
import { CliError } from "../errors.ts";
import { installation } from "../installation.ts";
import { newPassword } from "../prompt.ts";
import { printTable } from "../table.ts";

/** Opens the installation's database for one command and closes it after. */
export async function withAccounts<T>(work: (a: ReturnType<typeof accountServices>) => Promise<T>): Promise<T> {
  const inst = installation();
  const db = await openDatabase(inst.paths.database);
  try {
    return await work(accountServices(db, licenseService(inst.home, process.env)));
  } catch (err) {
    if (err instanceof UserError) throw new CliError(err.message);
    throw err;
  } finally {
    await db.close();
  }
}

async function requireUser(a: ReturnType<typeof accountServices>, username: string) {
  const user = await a.users.byUsername(username);
  if (!user) throw new CliError(`no user named "${username}"; see coder-server list-users`);
  return user;
}

function required(value: unknown, flag: string): string {
  if (typeof value !== "string" || !value.trim()) throw new CliError(`--${flag} is required`, 2);
  return value;
}

export function registerAccountCommands(cli: CAC): void {
  cli
    .command("create-user", "Create a user (asks for the password twice)")
    .option("--username <username>", "Login name")
    .option("--email <email>", "Email address")
    .option("--name <name>", "Display name")
    .option("--role <role>", "admin, developer or viewer", { default: "developer" })
    .option("--password-stdin", "Read the password from standard input")
    .action(async (o) => {
      const input = { username: required(o.username, "username"), email: required(o.email, "email"), name: o.name ?? o.username, role: String(o.role) };
      await withAccounts(async (a) => {
        // Fail on a taken name before asking for a password nobody will use.
        if (await a.users.byUsername(input.username)) throw new CliError(`username "${input.username}" is already taken`);
        const user = await a.users.create({ ...input, password: await newPassword(Boolean(o.passwordStdin)) });
        console.log(`Created ${user.role} "${user.username}" <${user.email}>.`);
      });
    });

  cli.command("list-users", "List users").option("--json", "Print JSON").action(async (o) => {
    await withAccounts(async (a) => {
      const users = await a.users.list();
      if (o.json) return console.log(JSON.stringify(users, null, 2));
      if (users.length === 0) return console.log("No users yet: coder-server create-user --username=... --email=... --role=admin");
      const rows = users.map((u) => [u.username, u.role, u.disabled ? "disabled" : "active", u.email, u.name]);
      printTable(["USERNAME", "ROLE", "STATUS", "EMAIL", "NAME"], rows);
    });
  });

  cli.command("set-password <username>", "Set a user's password (ends their sessions)").option("--password-stdin", "Read the password from standard input").action(async (username: string, o) => {
    await withAccounts(async (a) => {
      const user = await requireUser(a, username);
      await a.users.setPassword(user.id, await newPassword(Boolean(o.passwordStdin)));
      console.log(`Password of "${user.username}" changed; their sessions were ended.`);
    });
  });

  cli.command("disable-user <username>", "Disable a user: no sign-in, sessions ended, API keys refused").action(async (username: string) => {
    await withAccounts(async (a) => {
      const user = await requireUser(a, username);
      await a.users.setDisabled(user.id, true);
      console.log(`"${user.username}" is disabled.`);
    });
  });

  cli.command("enable-user <username>", "Enable a disabled user").action(async (username: string) => {
    await withAccounts(async (a) => {
      const user = await requireUser(a, username);
      await a.users.setDisabled(user.id, false);
      console.log(`"${user.username}" is enabled.`);
    });
  });

  cli
    .command("api-key <action>", "create: make a personal API key (printed once)")
    .option("--username <username>", "Owner of the key")
    .option("--name <name>", "What the key is for")
    .action(async (action: string, o) => {
      if (action !== "create") throw new CliError(`unknown api-key action "${action}"; use: api-key create --username=U --name=N`, 2);
      await withAccounts(async (a) => {
        const user = await requireUser(a, required(o.username, "username"));
        const { key } = await a.apiKeys.create(user.id, required(o.name, "name"));
        process.stderr.write(`API key "${o.name}" for ${user.username}; it is shown only this once:\n`);
        console.log(key);
      });
    });
}

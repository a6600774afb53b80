import type { Database } from "../db/database.ts";
import { checkPasswordStrength, hashPassword } from "./password.ts";
import { isRole, type Role } from "./roles.ts";

export interface User {
  id: number;
  username: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  created_at: number;
}

export interface NewUser {
  username: string;
  email: string;
  name: string;
  role: string;
  password: string;
}

/** A refusal the caller should show as it is: it names the field and the value. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const USER_COLUMN_NAMES = ["id", "username", "email", "name", "role", "disabled", "created_at"];
const USER_COLUMNS = USER_COLUMN_NAMES.join(", ");

/** The columns toUser reads, qualified by a table alias, for queries that join users in. */
export function userColumnsOf(alias: string): string {
  return USER_COLUMN_NAMES.map((column) => `${alias}.${column}`).join(", ");
}

export function toUser(row: Record<string, unknown>): User {
  return {
    id: Number(row.id),
    username: String(row.username),
    email: String(row.email),
    name: String(row.name),
    role: row.role as Role,
    disabled: Number(row.disabled) === 1,
    created_at: Number(row.created_at),
  };
}

export interface SeatPolicy {
  /** Seats the license allows, or null when unlimited. */
  seats(): Promise<number | null>;
}

export class Users {
  constructor(
    private db: Database,
    private seatPolicy: SeatPolicy,
    private now: () => number = Date.now,
  ) {}

  async count(): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users");
    return Number(row?.n ?? 0);
  }

  async activeCount(): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE disabled = 0");
    return Number(row?.n ?? 0);
  }

  async list(): Promise<User[]> {
    return (await this.db.all("SELECT " + USER_COLUMNS + " FROM users ORDER BY username")).map(toUser);
  }

  async byId(id: number): Promise<User | undefined> {
    const row = await this.db.get("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?", [id]);
    return row && toUser(row);
  }

  async byUsername(username: string): Promise<User | undefined> {
    const row = await this.db.get("SELECT " + USER_COLUMNS + " FROM users WHERE username = ?", [username]);
    return row && toUser(row);
  }

  async passwordHash(id: number): Promise<string | undefined> {
    const row = await this.db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", [id]);
    return row?.password_hash;
  }

  async create(input: NewUser): Promise<User> {
    const username = input.username?.trim() ?? "";
    const email = input.email?.trim() ?? "";
    const name = input.name?.trim() || username;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$/.test(username)) throw new UserError(`username "${username}" must be 2-64 letters, digits, dots, dashes or underscores`, "username");
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UserError(`email "${email}" is not an email address`, "email");
    if (!isRole(input.role)) throw new UserError(`role "${input.role}" is not one of admin, developer, viewer`, "role");
    const weak = checkPasswordStrength(input.password ?? "");
    if (weak) throw new UserError(weak, "password");
    if (await this.byUsername(username)) throw new UserError(`username "${username}" is already taken`, "username");
    if (await this.db.get("SELECT 1 FROM users WHERE email = ?", [email])) throw new UserError(`email "${email}" is already used by another user`, "email");
    await this.#checkSeat();
    const hash = await hashPassword(input.password);
    const { lastId } = await this.db.run(
      "INSERT INTO users (username, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [username, email, name, input.role, hash, this.now()],
    );
    return (await this.byId(lastId))!;
  }

  async #checkSeat(): Promise<void> {
    const seats = await this.seatPolicy.seats();
    if (seats === null) return;
    const active = await this.activeCount();
    if (active >= seats) throw new UserError(`the license allows ${seats} active user${seats === 1 ? "" : "s"} and ${active} already exist; disable a user or install a license with more seats`, "license");
  }

  async setPassword(id: number, password: string): Promise<void> {
    const weak = checkPasswordStrength(password);
    if (weak) throw new UserError(weak, "password");
    await this.db.batch([
      { sql: "UPDATE users SET password_hash = ? WHERE id = ?", args: [await hashPassword(password), id] },
      // A new password ends every session that knew the old one.
      { sql: "DELETE FROM sessions WHERE user_id = ?", args: [id] },
    ]);
  }

  async setRole(id: number, role: string): Promise<void> {
    if (!isRole(role)) throw new UserError(`role "${role}" is not one of admin, developer, viewer`, "role");
    await this.#keepAnAdmin(id, role !== "admin");
    await this.db.run("UPDATE users SET role = ? WHERE id = ?", [role, id]);
  }

  async setDisabled(id: number, disabled: boolean): Promise<void> {
    if (disabled) {
      await this.#keepAnAdmin(id, true);
      await this.db.batch([
        { sql: "UPDATE users SET disabled = 1 WHERE id = ?", args: [id] },
        { sql: "DELETE FROM sessions WHERE user_id = ?", args: [id] },
      ]);
    } else {
      await this.#checkSeat();
      await this.db.run("UPDATE users SET disabled = 0 WHERE id = ?", [id]);
    }
  }

  /** Refuses a change that would leave the installation without an active admin. */
  async #keepAnAdmin(id: number, removesAdmin: boolean): Promise<void> {
    if (!removesAdmin) return;
    const user = await this.byId(id);
    if (user?.role !== "admin" || user.disabled) return;
    const row = await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?", [id]);
    if (Number(row?.n) === 0) throw new UserError(`"${user.username}" is the last active admin; make another user admin first`, "role");
  }
}

import type { User } from "../auth/users.ts";

export interface Identity {
  user: User;
  via: "session" | "api-key";
  sessionId?: string;
}

// Read them with c.get(name): Hono's c.var builds a new object of all of them on every access.
export type AppEnv = {
  Variables: {
    identity: Identity | null;
    /** This browser's form token, once a page asked for it (csrf.ts). */
    csrfToken?: string;
    /** The request's cookies, parsed at the first read (cookies.ts). */
    cookies?: Readonly<Record<string, string>>;
    /** A cookie was set or cleared (cookies.ts), so render() lets Hono build the page. */
    cookiesWritten?: true;
    /** The response already carries the security headers (render's fast path). */
    secured?: true;
  };
};

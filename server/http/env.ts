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
    csrfToken: string;
    /** A cookie was set or cleared (cookies.ts), so render() lets Hono build the page. */
    cookiesWritten?: true;
    /** The response already carries the security headers (render's fast path). */
    secured?: true;
  };
};

import type { User } from "../auth/users.ts";

export interface Identity {
  user: User;
  via: "session" | "api-key";
  sessionId?: string;
}

export type AppEnv = {
  Variables: {
    identity: Identity | null;
    csrfToken: string;
  };
};

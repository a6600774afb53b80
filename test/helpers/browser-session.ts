import { SESSION_COOKIE } from "../../server/http/identify.ts";
import type { TestServer } from "./server.ts";

/**
 * A cookie-keeping HTTP client that submits forms the way a browser without
 * JavaScript would: it reads the CSRF token from the last page it loaded.
 */
export class FormClient {
  cookies = new Map<string, string>();
  csrf = "";

  constructor(readonly base: string) {}

  /** The Cookie header a browser holding these cookies sends. */
  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", this.cookieHeader);
    const res = await fetch(new URL(path, this.base), { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      const expired = attrs.some((a) => /max-age=0\b/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now()));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const token = html.match(/name="_csrf" value="([^"]+)"/);
    if (token) this.csrf = token[1];
    return { res, html };
  }

  async submit(path: string, fields: Record<string, string>, opts: { csrf?: string | null } = {}): Promise<Response> {
    const body = new URLSearchParams(fields);
    const token = opts.csrf === undefined ? this.csrf : opts.csrf;
    if (token !== null) body.set("_csrf", token);
    return this.request(path, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
  }

  /** Sends `token` as the session cookie from now on (plain HTTP: no __Host- prefix). */
  useSession(token: string): void {
    this.cookies.set(SESSION_COOKIE, token);
  }

  get sessionToken(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }

  async login(username: string, password: string): Promise<Response> {
    await this.page("/login");
    return this.submit("/login", { username, password, next: "/" });
  }
}

/** A client signed in as `username` without the login form, holding a CSRF token from its account page. */
export async function signedInClient(server: TestServer, username: string): Promise<FormClient> {
  const client = new FormClient(server.url);
  client.useSession(await server.session(username));
  await client.page("/account");
  return client;
}

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

/** The text of a page's error message (role="alert"), as the user reads it. */
export function alertText(html: string): string | undefined {
  return html.match(/role="alert">([^<]*)</)?.[1].replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

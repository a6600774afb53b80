import { Eta } from "eta/core";
import { BoundedMap } from "../bounded-map.ts";

/**
 * Eta over templates held in memory: the entry point reads views/ once, so rendering
 * does no I/O and works the same under Node and Deno.
 */
export class Views {
  #eta: Eta;
  #last = new BoundedMap<string, { data: Record<string, unknown>; html: string }>(1000);

  constructor(templates: Map<string, string>) {
    this.#eta = new Eta({ autoEscape: true, autoTrim: false, cache: true, useWith: false, varName: "it" });
    this.#eta.resolvePath = (name) => name.replace(/^\.\//, "").replace(/\.eta$/, "");
    this.#eta.readFile = (name) => {
      const source = templates.get(name);
      if (source === undefined) throw new Error(`view "${name}" does not exist`);
      return source;
    };
  }

  render(name: string, data: object): string {
    return this.#eta.render(name, data);
  }

  /**
   * Renders, or hands back what the last render under `key` produced when every top-level value
   * of `data` is the same (===) as it was then. A view is a function of its data alone, so this
   * is exact as long as the caller passes values that are replaced, never changed in place, when
   * what they hold changes: primitives, and objects from caches that swap in a new object.
   */
  renderReusing(key: string, name: string, data: Record<string, unknown>): string {
    const last = this.#last.get(key);
    if (last && sameValues(last.data, data)) return last.html;
    const html = this.render(name, data);
    this.#last.set(key, { data, html });
    return html;
  }
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let count = 0;
  for (const key in b) {
    if (a[key] !== b[key]) return false;
    count++;
  }
  for (const _ in a) count--;
  return count === 0;
}

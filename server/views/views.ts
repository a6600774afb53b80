import { Eta } from "eta/core";

/**
 * Eta over templates held in memory: the entry point reads views/ once, so rendering
 * does no I/O and works the same under Node and Deno.
 */
export class Views {
  #eta: Eta;

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
}

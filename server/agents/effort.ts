/** The effort a run asked for, refused with the choices when this CLI has no such level. */
export function checkedEffort(agent: string, efforts: readonly string[], effort: string | undefined): string | undefined {
  if (effort === undefined || effort === "") return undefined;
  if (efforts.includes(effort)) return effort;
  const choices = efforts.length ? `choose one of ${efforts.join(", ")}` : "it has no effort setting";
  throw new Error(`${agent} does not accept effort "${effort}": ${choices}`);
}

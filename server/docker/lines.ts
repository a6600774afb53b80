/** Turns a byte stream's chunks into whole lines; `end` gives an unterminated last line. */
export function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): boolean; end(): void } {
  let partial = "";
  return {
    write(chunk) {
      const pieces = (partial + chunk.toString("utf8")).split("\n");
      partial = pieces.pop() ?? "";
      for (const piece of pieces) onLine(piece);
      return true;
    },
    end() {
      if (partial) onLine(partial);
      partial = "";
    },
  };
}

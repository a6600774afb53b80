import type { DockerStreamEvent } from "./json-stream.ts";

const TAIL_LINES = 40;

/** A failed image build: which Dockerfile step broke and the last lines it printed. */
export class ImageBuildError extends Error {
  constructor(
    readonly tag: string,
    /** The builder's own "Step 3/7 : RUN make" line, absent when the build broke before any step. */
    readonly step: string | undefined,
    readonly reason: string,
    /** Output of the failing step (or of the build so far), newest last. */
    readonly tail: string[],
  ) {
    super(`building ${tag} failed${step ? ` at "${step}"` : ""}: ${reason}`);
    this.name = "ImageBuildError";
  }
}

/**
 * Turns the classic builder's event stream into whole lines and remembers what a failure report
 * needs. The builder sends text in arbitrary pieces, so partial lines are held until complete.
 */
export class BuildLog {
  private partial = "";
  private step: string | undefined;
  private stepLines: string[] = [];
  private error: string | undefined;
  imageId: string | undefined;

  constructor(private readonly onLine: (line: string) => void = () => {}) {}

  handle(event: DockerStreamEvent): void {
    if (event.aux?.ID) this.imageId = event.aux.ID;
    if (typeof event.stream === "string") this.text(event.stream);
    else if (typeof event.status === "string") this.text(`${event.status}\n`);
    if (event.error || event.errorDetail) {
      this.error = event.errorDetail?.message || event.error || "unknown build error";
    }
  }

  /** Call once the stream has ended; returns the built image or throws what went wrong. */
  finish(tag: string): { imageId: string } {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    if (this.error) throw new ImageBuildError(tag, this.step, this.error, this.stepLines.slice());
    if (!this.imageId) {
      throw new ImageBuildError(tag, this.step, "the build ended without an image id", this.stepLines.slice());
    }
    return { imageId: this.imageId };
  }

  private text(chunk: string): void {
    const pieces = (this.partial + chunk).split("\n");
    this.partial = pieces.pop() ?? "";
    for (const piece of pieces) this.line(piece);
  }

  private line(raw: string): void {
    // Progress output rewrites one line with \r; the last version is the one worth keeping.
    // The classic builder colours a step's stderr with ANSI codes, which mean nothing in a log.
    const line = raw
      .slice(raw.lastIndexOf("\r", raw.length - 2) + 1)
      .replace(/\r$/, "")
      .replace(/\x1b\[[0-9;]*m/g, "");
    if (/^Step \d+\/\d+ : /.test(line)) {
      this.step = line;
      this.stepLines = [];
    }
    this.stepLines.push(line);
    if (this.stepLines.length > TAIL_LINES) this.stepLines.shift();
    this.onLine(line);
  }
}

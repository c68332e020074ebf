/** Where the deploy command writes: stdout for progress, stderr for problems. */
export interface Io {
  log(line: string): void;
  error(line: string): void;
}

/**
 * Prints numbered progress lines, `[2/5] diff against cluster local`, so a log shows at a
 * glance how far a deploy got and which step failed.
 */
export class StepRunner {
  private current = 0;
  private failure: string | undefined;

  public constructor(private readonly total: number, private readonly io: Io) {}

  /** Starts the next step. */
  public step(title: string): void {
    this.current += 1;
    this.io.log(`[${this.current}/${this.total}] ${title}`);
  }

  /** A detail of the current step, indented under it. */
  public detail(text: string): void {
    for (const line of text.replace(/\s+$/, '').split('\n')) this.io.log(`    ${line}`);
  }

  /** A problem: stderr, prefixed with the step it happened in. */
  public fail(text: string): void {
    this.failure = `step ${this.current}/${this.total} failed: ${text.replace(/\s+$/, '')}`;
    this.io.error(`deploy: ${this.failure}`);
  }

  /** The last problem reported, as `fail` printed it (without the `deploy: ` prefix). */
  public get lastFailure(): string | undefined {
    return this.failure;
  }
}

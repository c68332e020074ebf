/**
 * What the checks found in each object, remembered from one run to the next, for a host that
 * checks mostly the same objects again and again (a watch loop: a save changes a few objects of
 * thousands). Only the rules that look at one object alone are remembered; the rules that look
 * across objects (a Service's selector, a Deployment's PodDisruptionBudget) run again every time.
 *
 * An object is known by the key the host gives it, and two objects with the same key must hold
 * the same values: the watch loop keys each object by the YAML text it was written as, which is
 * what the checks check. An object without a key is checked afresh.
 *
 * What a run did not use is let go by the run after it (`nextRun`), so the memo holds what the
 * latest two runs found.
 */
export class CheckMemo {
  private current = new Map<unknown, Map<string, unknown>>();
  private previous = new Map<unknown, Map<string, unknown>>();

  /** @param keyOf the object's key, or undefined for an object to check afresh every time */
  public constructor(private readonly keyOf: (object: unknown) => string | undefined) {}

  /** Starts a run: what the run before the last one used, and the last one did not, is let go. */
  public nextRun(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /**
   * What `compute` finds in `object` for `part` (what computes it, with everything it depends on
   * besides the object: a validator, a configuration): remembered when the object has a key.
   * The result is shared by every run it is remembered for, so nobody may change it.
   */
  public get<T>(object: unknown, part: unknown, compute: () => T): T {
    const key = this.keyOf(object);
    if (key === undefined) return compute();
    let now = this.current.get(part);
    if (!now) this.current.set(part, now = new Map());
    if (now.has(key)) return now.get(key) as T;
    const before = this.previous.get(part);
    const found = before?.has(key) ? before.get(key) as T : compute();
    now.set(key, found);
    return found;
  }
}

/** `compute()`, remembered in `memo` when there is one. */
export function remembered<T>(memo: CheckMemo | undefined, object: unknown, part: unknown, compute: () => T): T {
  return memo ? memo.get(object, part, compute) : compute();
}

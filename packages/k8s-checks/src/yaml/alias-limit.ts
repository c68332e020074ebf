// kubectl's defence against "billion laughs" YAML, on js-yaml's event stream, before any object
// is built. js-yaml builds an alias as a shared reference, so parsing a bomb is cheap; what
// explodes is every later walk over the objects (the schema and policy checks, --json), which
// sees each alias expanded. js-yaml's own limits do not bound that: maxAliases counts alias
// nodes (9 levels of 9 aliases are 81 aliases and 9^9 nodes), and it accepts an alias inside
// its own anchor (a cyclic object). So the expansion is counted here the way go-yaml's decoder
// counts it for kubectl (sigs.k8s.io/yaml): every node decoded, every node decoded through an
// alias, and the document refused as soon as aliases make up more than an allowed ratio of it.
// (The yaml package's maxAliasCount bounds the expansion too, but reading with it instead of
// js-yaml doubles the time of a check — README, "Speed" — and its limit is not kubectl's.)

import { EVENT_ID, Event } from 'js-yaml';

/**
 * A document kubectl would refuse for its aliases: too much expansion, or an anchor that
 * contains itself. The message ends with the place, as js-yaml's do: `in "file" (line:column)`.
 */
export class AliasLimitError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'AliasLimitError';
  }
}

function refuse(reason: string, source: string, offset: number, filename: string | undefined): AliasLimitError {
  return new AliasLimitError(`${reason}${filename ? ` in "${filename}"` : ''} ${place(source, offset)}`);
}

/** `(line:column)` of an offset, both from 1. */
function place(source: string, at: number): string {
  const offset = Math.max(0, at);
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return `(${line}:${offset - lineStart + 1})`;
}

// go-yaml's decoder (decode.go, allowedAliasRatio): up to 400,000 nodes 99 % may come from
// aliases, from 4,000,000 on 10 %, linearly in between; documents of at most 1000 nodes or
// 100 aliased nodes always pass.
const RATIO_RANGE_LOW = 400_000;
const RATIO_RANGE_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= RATIO_RANGE_LOW) return 0.99;
  if (decoded >= RATIO_RANGE_HIGH) return 0.10;
  return 0.99 - 0.89 * ((decoded - RATIO_RANGE_LOW) / (RATIO_RANGE_HIGH - RATIO_RANGE_LOW));
}

function excessive(decoded: number, aliased: number): boolean {
  return aliased > 100 && decoded > 1000 && aliased / decoded > allowedAliasRatio(decoded);
}

/** An anchor whose node is still open: an alias of it would be inside itself. */
const OPEN = -1;

/**
 * Throws AliasLimitError for the first document of the stream that kubectl refuses with
 * "document contains excessive aliasing" or "anchor ... value contains itself".
 * Linear in the number of events: an alias adds the size its anchor was counted at.
 */
export function checkAliasing(events: readonly Event[], source: string, filename?: string): void {
  // Expanded size (in nodes) of each open collection, and of each anchor once closed.
  const open: Array<{ size: number; anchor?: string }> = [];
  let anchors = new Map<string, number>();
  let decoded = 0;
  let aliased = 0;
  let document = 0;
  // go-yaml checks after every node; past 400,000 nodes the allowed ratio falls faster than
  // plain nodes lower the actual one, so a node after the last alias can tip it over.
  const check = (offset: number) => {
    if (!excessive(decoded, aliased)) return;
    throw refuse(
      `document ${document} contains excessive aliasing: its aliases expand it to ${decoded} nodes, ${Math.round((aliased / decoded) * 100)} % of them through aliases, `
      + 'which kubectl refuses too; write the values out, or alias smaller anchors', source, offset, filename);
  };
  const close = (size: number, anchor: string | undefined) => {
    if (anchor !== undefined) anchors.set(anchor, size);
    if (open.length > 0) open[open.length - 1].size += size;
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        document += 1;
        anchors = new Map();
        decoded = 1;
        aliased = 0;
        break;
      case EVENT_ID.SCALAR:
        decoded += 1;
        check(event.valueStart);
        close(1, anchorOf(event, source));
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        decoded += 1;
        check(event.start);
        const anchor = anchorOf(event, source);
        if (anchor !== undefined) anchors.set(anchor, OPEN);
        open.push({ size: 1, anchor });
        break;
      }
      case EVENT_ID.POP: {
        const frame = open.pop();
        if (frame) close(frame.size, frame.anchor);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd);
        const size = anchors.get(name);
        if (size === undefined) break; // js-yaml reports the unknown alias
        if (size === OPEN) {
          throw refuse(`anchor "${name}" contains an alias of itself (*${name}), so its value would be infinite; kubectl refuses it too`, source, event.anchorStart - 1, filename);
        }
        // Within one alias the ratio only rises: checking once it is expanded is checking every node of it.
        decoded += 1 + size;
        aliased += size;
        check(event.anchorStart - 1);
        close(1 + size, undefined);
        break;
      }
      default:
        break;
    }
  }
}

function anchorOf(event: { anchorStart: number; anchorEnd: number }, source: string): string | undefined {
  return event.anchorStart < 0 ? undefined : source.slice(event.anchorStart, event.anchorEnd);
}

// kubectl's defence against "billion laughs" YAML, on the yaml package's syntax tree, before any
// alias is resolved. An alias resolves to a shared reference, so building the objects of a bomb
// is cheap; what explodes is every later walk over the objects (the schema and policy checks,
// --json), which sees each alias expanded. So the expansion is counted here the way go-yaml's
// decoder counts it for kubectl (sigs.k8s.io/yaml): every node decoded, every node decoded
// through an alias, and the document refused as soon as aliases make up more than an allowed
// ratio of it; an alias inside its own anchor (a cyclic object) is refused as kubectl refuses it.
// (The yaml package's maxAliasCount bounds the expansion too, but by a count of its own that
// refuses documents kubectl applies.)

import { Alias, Document, isAlias, isCollection, isMap, isPair, isScalar, Node, Pair } from 'yaml';
import { YamlSyntaxError } from './yaml-errors';

/**
 * A document kubectl would refuse for its aliases: too much expansion, or an anchor that
 * contains itself. The message ends with the place: `in "file" (line:column)`.
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
export function place(source: string, at: number): string {
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
 * Throws AliasLimitError when kubectl refuses the document (number `index` of its stream) with
 * "document contains excessive aliasing" or "anchor ... value contains itself"; YamlSyntaxError
 * for an alias of no anchor before it (the yaml package finds that only when resolving it).
 * Linear in the number of nodes: an alias adds the size its anchor was counted at. The
 * document's collections nest at most MAX_DEPTH deep (checked on its tokens first), so the walk
 * recurses that deep at most.
 */
export function checkAliasing(doc: Document, source: string, index: number, filename?: string): void {
  const anchors = new Map<string, number>();
  let decoded = 1; // the document node
  let aliased = 0;
  // go-yaml checks after every node; past 400,000 nodes the allowed ratio falls faster than
  // plain nodes lower the actual one, so a node after the last alias can tip it over.
  const check = (offset: number) => {
    if (!excessive(decoded, aliased)) return;
    throw refuse(
      `document ${index} contains excessive aliasing: its aliases expand it to ${decoded} nodes, ${Math.round((aliased / decoded) * 100)} % of them through aliases, `
      + 'which kubectl refuses too; write the values out, or alias smaller anchors', source, offset, filename);
  };
  const alias = (node: Alias): number => {
    const name = node.source;
    const size = anchors.get(name);
    const at = node.range?.[0] ?? 0;
    if (size === undefined) throw new YamlSyntaxError(`unidentified alias "${name}"${filename ? ` in "${filename}"` : ''} ${place(source, at)}`);
    if (size === OPEN) {
      throw refuse(`anchor "${name}" contains an alias of itself (*${name}), so its value would be infinite; kubectl refuses it too`, source, at, filename);
    }
    // Within one alias the ratio only rises: checking once it is expanded is checking every node of it.
    decoded += 1 + size;
    aliased += size;
    check(at);
    return 1 + size;
  };
  /** The expanded size of a node, in go-yaml's nodes. */
  const walk = (node: Node | Pair | null | undefined): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) return alias(node);
    if (isPair(node)) {
      // A pair as a sequence item (`[a: b]`) is a mapping of one pair.
      decoded += 1;
      return 1 + walk(node.key as Node | null) + walk(node.value as Node | null);
    }
    decoded += 1;
    check(node.range?.[0] ?? 0);
    const anchor = node.anchor;
    if (isScalar(node) || !isCollection(node)) {
      if (anchor !== undefined) anchors.set(anchor, 1);
      return 1;
    }
    if (anchor !== undefined) anchors.set(anchor, OPEN);
    let size = 1;
    for (const item of node.items as Array<Node | Pair>) {
      if (isMap(node) && isPair(item)) size += walk(item.key as Node | null) + walk(item.value as Node | null);
      else size += walk(item);
    }
    if (anchor !== undefined) anchors.set(anchor, size);
    return size;
  };
  walk(doc.contents as Node | null);
}

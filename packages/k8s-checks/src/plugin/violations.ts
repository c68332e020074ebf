// Findings of one check, grouped the way the CLI reports them: one violation per rule, with
// every object the rule hit, most severe rules first.

import { InputError } from '../input-error';
import { ValidationViolation, ValidationViolatingResource } from './cdk8s-validation';

/** One finding in one object. */
export interface Hit {
  /** `<tool>/<rule> [<severity>]`. */
  readonly ruleName: string;
  /** What is wrong. */
  readonly message: string;
  readonly fix: string;
  readonly resourceName: string;
  readonly manifestPath: string;
  /** A field path; '' for the object as a whole. */
  readonly location: string;
}

/** Severities from most to least severe (kube-score's critical and Polaris' danger alike); a rule name ends with one in brackets. */
const SEVERITY_RANK: Readonly<Record<string, number>> = { error: 0, critical: 1, danger: 1, warning: 2 };

/** The severity at the end of a rule name (`polaris/runAsPrivileged [danger]` -> danger), or ''. */
export function severityOf(ruleName: string): string {
  return /\[([a-z]+)\]$/.exec(ruleName)?.[1] ?? '';
}

/** Most severe first (danger before warning); unknown severities last. */
export function severityRank(ruleName: string): number {
  return SEVERITY_RANK[severityOf(ruleName)] ?? 3;
}

/** At most `max` distinct texts, joined, with how many more there are. */
function summarize(texts: readonly string[], max = 3): string {
  const distinct = [...new Set(texts)];
  const shown = distinct.slice(0, max).join(' | ');
  return distinct.length > max ? `${shown} | … and ${distinct.length - max} more` : shown;
}

/** The violations of a list of hits: one per rule, most severe first, then by rule name. */
export function groupHits(hits: readonly Hit[]): ValidationViolation[] {
  const byRule = new Map<string, Hit[]>();
  for (const h of hits) {
    const list = byRule.get(h.ruleName);
    if (list) list.push(h); else byRule.set(h.ruleName, [h]);
  }
  return [...byRule.entries()]
    .sort(([a], [b]) => severityRank(a) - severityRank(b) || a.localeCompare(b))
    .map(([ruleName, group]) => {
      const resources = new Map<string, { resourceName: string; manifestPath: string; locations: string[] }>();
      for (const h of group) {
        const key = `${h.resourceName}\u0000${h.manifestPath}`;
        let r = resources.get(key);
        if (!r) resources.set(key, r = { resourceName: h.resourceName, manifestPath: h.manifestPath, locations: [] });
        const location = h.location || '(the object)';
        if (!r.locations.includes(location)) r.locations.push(location);
      }
      const violatingResources: ValidationViolatingResource[] = [...resources.values()];
      return {
        ruleName,
        recommendation: summarize(group.map((h) => h.message)),
        fix: summarize(group.map((h) => h.fix)),
        violatingResources,
      };
    });
}

/** Plugin properties come from cdk8s.yaml: anything not understood is an error naming it. */
export function checkProperties(plugin: string, properties: unknown, known: readonly string[]): Record<string, unknown> {
  if (properties === undefined || properties === null) return {};
  if (typeof properties !== 'object' || Array.isArray(properties)) {
    throw new InputError(`k8s-checks ${plugin}: properties must be a mapping (cdk8s.yaml validations: properties:), got ${JSON.stringify(properties)}`);
  }
  for (const key of Object.keys(properties)) {
    if (!known.includes(key)) {
      throw new InputError(`k8s-checks ${plugin}: unknown property "${key}" (cdk8s.yaml validations: properties:); ${known.length ? `it takes ${known.map((k) => `"${k}"`).join(', ')}` : 'it takes none'}`);
    }
  }
  return properties as Record<string, unknown>;
}

// Values printed as Go prints them: kube-linter's messages carry fmt's %v and %q of maps,
// string slices and label selectors, and kube-score's and Kubernetes' label selector strings.
// A message is only as faithful as these renderings.

import { asArray, isObject } from './workload';

/** strconv.Quote / fmt's %q of a string (JSON's escapes are Go's for the strings manifests hold). */
export function goQuote(value: unknown): string {
  return JSON.stringify(String(value ?? ''));
}

/** fmt's %q of a []string: `["a" "b"]`. */
export function goQuoteList(values: readonly unknown[]): string {
  return `[${values.map(goQuote).join(' ')}]`;
}

/** fmt's %v of a []string: `[a b]`. */
export function goList(values: readonly unknown[]): string {
  return `[${values.map((v) => String(v)).join(' ')}]`;
}

function sortedEntries(map: unknown): Array<[string, string]> {
  if (!isObject(map)) return [];
  return Object.keys(map).sort().map((k) => [k, String(map[k] ?? '')]);
}

/** fmt's %v of a map[string]string: `map[a:1 b:2]`, keys sorted. */
export function goMap(map: unknown): string {
  return `map[${sortedEntries(map).map(([k, v]) => `${k}:${v}`).join(' ')}]`;
}

/** The generated String() of a *metav1.LabelSelector, as fmt's %v prints it. */
export function goLabelSelector(selector: unknown): string {
  if (!isObject(selector)) return '<nil>';
  const labels = sortedEntries(selector.matchLabels).map(([k, v]) => `${k}: ${v},`).join('');
  const expressions = asArray(selector.matchExpressions).filter(isObject)
    .map((e) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:${goList(asArray(e.values))},},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`;
}

/** labels.Set(...).String(): `a=1,b=2`, keys sorted. */
export function labelSetString(map: unknown): string {
  return sortedEntries(map).map(([k, v]) => `${k}=${v}`).join(',');
}

/** metav1.LabelSelectorAsSelector(selector).String(): the requirements sorted by key. */
export function labelSelectorString(selector: unknown): string {
  if (!isObject(selector)) return '';
  const requirements: Array<[string, string]> = sortedEntries(selector.matchLabels).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of asArray(selector.matchExpressions).filter(isObject)) {
    const key = String(e.key ?? '');
    const values = asArray(e.values).map(String).sort().join(',');
    const text = e.operator === 'In' ? `${key} in (${values})`
      : e.operator === 'NotIn' ? `${key} notin (${values})`
        : e.operator === 'Exists' ? key
          : e.operator === 'DoesNotExist' ? `!${key}` : `${key} ${e.operator} (${values})`;
    requirements.push([key, text]);
  }
  return requirements.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, t]) => t).join(',');
}

// Deliberate exceptions, declared with each tool's NATIVE annotation on the object, so the
// real tools honour the same manifests:
//   kube-score   kube-score/ignore: "<test-id>[,<test-id>]"          (+ reason annotation)
//   kube-linter  ignore-check.kube-linter.io/<check>: "<reason>"     (the value is the reason)
//                kube-linter.io/ignore-all: "<reason>"
//   Polaris      polaris.fairwinds.com/<checkId>-exempt: "true"      (+ reason annotation)
//                polaris.fairwinds.com/exempt: "true"                (+ reason annotation)
// The reason annotation is policy.mincloud.dev/reason (or the one given) on the same object. Its value is either
// one sentence, or "<tool> <rule>: <reason>; <tool> <rule>: <reason>" entries, one per exemption.
// kube-score also reads kube-score/ignore on a pod template, for its pod checks; the reason is
// then read on the template, else on the object. Pod Security Standards have no per-object exemption.

import { KUBE_SCORE_POD_CHECKS } from './kube-score';
import { KubeObject, PolicyExemption, PolicyFinding, PolicyTool } from './types';
import { objectKey, workloadOf } from './workload';

export const REASON_ANNOTATION = 'policy.mincloud.dev/reason';
export const EXEMPTION_WITHOUT_REASON = 'exemption-without-reason';
/** Used as the rule of whole-object exemptions (polaris.fairwinds.com/exempt, kube-linter.io/ignore-all). */
export const ALL_RULES = '*';

// kube-score: ignoring container-resources also ignores the ephemeral-storage test (scorecard.impliedIgnoreAnnotations).
const KUBE_SCORE_IMPLIED: Record<string, string[]> = { 'container-resources': ['container-ephemeral-storage-request-and-limit'] };

export interface Declared {
  readonly tool: Exclude<PolicyTool, 'pod-security'>;
  readonly rule: string;
  readonly object: string;
  readonly annotation: string;
  /** Where the annotation is: `metadata.annotations["…"]`, or the pod template's. */
  readonly path: string;
  readonly reason?: string;
}

/** The reason for one exemption from the reason annotation ('' when there is none). */
function reasonFor(annotations: Record<string, string>, tool: string, rule: string, reasonAnnotation: string): string {
  const raw = String(annotations[reasonAnnotation] ?? '').trim();
  if (!raw) return '';
  // "<tool> <rule>: <reason>; ..." entries: pick this exemption's own reason when it has one.
  // Entries are separated by "; " followed by the next "<tool> <rule>:", so reasons may contain ";".
  for (const entry of raw.split(/;\s*(?=(?:kube-score|kube-linter|polaris)\s+[A-Za-z0-9*_-]+:)/)) {
    const m = /^([a-z-]+)\s+([A-Za-z0-9*_-]+):\s*([\s\S]+)$/.exec(entry.trim());
    if (m && m[1] === tool && (m[2] === rule || m[2] === ALL_RULES)) return m[3].trim();
  }
  return raw;
}

/** The kube-score test ids of a `kube-score/ignore` value, with the ones each implies. */
function kubeScoreIgnored(value: string): Array<{ rule: string; declared: string }> {
  return value.split(',').map((s) => s.trim()).filter(Boolean)
    .flatMap((declared) => [declared, ...(KUBE_SCORE_IMPLIED[declared] ?? [])].map((rule) => ({ rule, declared })));
}

/** All exemptions declared on one object by native annotations. */
export function declaredExemptions(m: KubeObject, reasonAnnotation = REASON_ANNOTATION): Declared[] {
  const annotations = m.metadata?.annotations ?? {};
  const object = objectKey(m);
  const out: Declared[] = [];
  const at = (key: string): string => `metadata.annotations["${key}"]`;
  for (const [key, rawValue] of Object.entries(annotations)) {
    const value = String(rawValue ?? '');
    if (key === 'kube-score/ignore') {
      for (const { rule, declared } of kubeScoreIgnored(value)) {
        out.push({ tool: 'kube-score', rule, object, annotation: key, path: at(key), reason: reasonFor(annotations, 'kube-score', declared, reasonAnnotation) || undefined });
      }
    } else if (key.startsWith('ignore-check.kube-linter.io/')) {
      out.push({ tool: 'kube-linter', rule: key.slice('ignore-check.kube-linter.io/'.length), object, annotation: key, path: at(key), reason: value.trim() || undefined });
    } else if (key === 'kube-linter.io/ignore-all') {
      out.push({ tool: 'kube-linter', rule: ALL_RULES, object, annotation: key, path: at(key), reason: value.trim() || undefined });
    } else if (key === 'polaris.fairwinds.com/exempt' && value.toLowerCase() === 'true') {
      out.push({ tool: 'polaris', rule: ALL_RULES, object, annotation: key, path: at(key), reason: reasonFor(annotations, 'polaris', ALL_RULES, reasonAnnotation) || undefined });
    } else if (/^polaris\.fairwinds\.com\/.+-exempt$/.test(key) && value.toLowerCase() === 'true') {
      const rule = key.slice('polaris.fairwinds.com/'.length, -'-exempt'.length);
      out.push({ tool: 'polaris', rule, object, annotation: key, path: at(key), reason: reasonFor(annotations, 'polaris', rule, reasonAnnotation) || undefined });
    }
  }
  // kube-score's pod checks also honour kube-score/ignore on the pod template (the others do not).
  const w = workloadOf(m, 'kube-score');
  const templateAnnotations = w && w.template !== m ? w.podAnnotations : {};
  const ignored = templateAnnotations['kube-score/ignore'];
  if (w && ignored !== undefined) {
    const key = 'kube-score/ignore';
    for (const { rule, declared } of kubeScoreIgnored(ignored)) {
      if (!KUBE_SCORE_POD_CHECKS.has(rule)) continue;
      const reason = reasonFor(templateAnnotations, 'kube-score', declared, reasonAnnotation) || reasonFor(annotations, 'kube-score', declared, reasonAnnotation);
      out.push({ tool: 'kube-score', rule, object, annotation: key, path: `${w.templatePath}.metadata.annotations["${key}"]`, reason: reason || undefined });
    }
  }
  return out;
}

export interface ExemptionOutcome {
  readonly findings: PolicyFinding[];
  readonly exemptions: PolicyExemption[];
}

/**
 * Removes the findings covered by an accepted exemption (one with a reason) and reports every
 * exemption declared without a reason as an `exemption-without-reason` finding of its tool;
 * such an exemption is not applied. Pod Security findings are never exempted.
 */
export function applyExemptions(manifests: readonly KubeObject[], findings: readonly PolicyFinding[], reasonAnnotation = REASON_ANNOTATION): ExemptionOutcome {
  const accepted: Declared[] = [];
  const out: PolicyFinding[] = [];
  const seenObjects = new Set<string>();
  for (const m of manifests) {
    const id = objectKey(m);
    if (seenObjects.has(id)) continue;
    seenObjects.add(id);
    for (const d of declaredExemptions(m, reasonAnnotation)) {
      if (d.reason) {
        accepted.push(d);
      } else if (!out.some((f) => f.tool === d.tool && f.object === d.object && f.rule === EXEMPTION_WITHOUT_REASON && f.path === d.path)) {
        out.push({
          tool: d.tool,
          rule: EXEMPTION_WITHOUT_REASON,
          object: d.object,
          path: d.path,
          message: `${d.annotation} declares a ${d.tool} exemption${d.rule === ALL_RULES ? ' from every check' : ` from ${d.rule}`} without a reason, so it is not accepted`,
          fix: d.tool === 'kube-linter'
            ? `Put the reason in the annotation value: ${d.annotation}: "<why this is deliberate>".`
            : `Add the annotation ${reasonAnnotation}: "${d.tool} ${d.rule}: <why this is deliberate>" beside it (${d.path.replace(/annotations\[.*$/, 'annotations')}).`,
          severity: 'warning',
        });
      }
    }
  }
  // A finding is covered by an accepted exemption of its tool and object, for its rule or for all rules.
  const key = (tool: string, object: string, rule: string): string => `${tool}\u0000${object}\u0000${rule}`;
  const covered = new Set(accepted.map((d) => key(d.tool, d.object, d.rule)));
  for (const f of findings) {
    if (f.tool !== 'pod-security' && (covered.has(key(f.tool, f.object, f.rule)) || covered.has(key(f.tool, f.object, ALL_RULES)))) continue;
    out.push(f);
  }
  const exemptions: PolicyExemption[] = [];
  const listed = new Set<string>();
  for (const d of accepted) {
    if (listed.has(key(d.tool, d.object, d.rule))) continue;
    listed.add(key(d.tool, d.object, d.rule));
    exemptions.push({ tool: d.tool, rule: d.rule, object: d.object, reason: d.reason! });
  }
  return { findings: out, exemptions };
}

// Kubernetes resource quantities ("100m", "1.5Gi", "1e3", 2), as k8s.io/apimachinery's
// resource.ParseQuantity reads them. Only what the rules need: the value in base units.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity in base units (cores, bytes), or undefined when it is not a valid quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** Like resource.Quantity.IsZero() on a possibly missing entry: missing, invalid and 0 are all zero. */
export function isZeroQuantity(value: unknown): boolean {
  const q = parseQuantity(value);
  return q === undefined || q === 0;
}

/** Renders a quantity as the string Kubernetes' typed API would serialize (numbers become strings). */
export function quantityString(value: unknown): unknown {
  return typeof value === 'number' ? String(value) : value;
}

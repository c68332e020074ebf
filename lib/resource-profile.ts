import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Cpu } from 'cdk8s-plus-27';
import * as k8s from '../imports/k8s';
import { PropValidationError } from './validation/prop-errors';
import { checkKnownProps, PropKeys } from './validation/known-props';

/** An amount of CPU: cdk8s-plus-27's `Cpu.millis(250)` or `Cpu.units(1)`. */
export type CpuAmount = Pick<Cpu, 'amount'>;

/** CPU, memory and ephemeral storage for one side (requests or limits). */
export interface ResourceAmounts {
  readonly cpu: CpuAmount;
  readonly memory: Size;
  readonly ephemeralStorage: Size;
}

const AMOUNT_KEYS: PropKeys<ResourceAmounts> = { cpu: true, memory: true, ephemeralStorage: true };

/**
 * Requests and limits for a container, from a named preset (`ResourceProfile.SMALL`) or from
 * explicit amounts (`ResourceProfile.of({...})`).
 *
 * Memory requests equal memory limits in every preset: memory cannot be throttled, so a pod
 * that uses more than it asked for is the first one killed under node pressure. CPU limits
 * sit above requests so a container can burst instead of being throttled at its baseline.
 */
export class ResourceProfile {
  public static readonly NANO = ResourceProfile.preset('nano', 25, 100, 32, 64, 128);
  public static readonly MICRO = ResourceProfile.preset('micro', 50, 200, 64, 128, 256);
  public static readonly SMALL = ResourceProfile.preset('small', 100, 500, 128, 256, 512);
  public static readonly MEDIUM = ResourceProfile.preset('medium', 250, 1000, 256, 512, 1024);
  public static readonly LARGE = ResourceProfile.preset('large', 500, 2000, 512, 1024, 2048);

  /** Every preset, by name, smallest first. */
  public static readonly PRESETS: ReadonlyMap<string, ResourceProfile> = new Map(
    [ResourceProfile.NANO, ResourceProfile.MICRO, ResourceProfile.SMALL, ResourceProfile.MEDIUM, ResourceProfile.LARGE]
      .map((p) => [p.name, p]),
  );

  /** A preset by its name (`nano`, `micro`, `small`, `medium`, `large`), e.g. from configuration. */
  public static named(name: string, source = 'ResourceProfile'): ResourceProfile {
    const profile = this.PRESETS.get(name);
    if (!profile) {
      throw new PropValidationError(source, 'size', name, `use one of ${[...this.PRESETS.keys()].map((n) => `"${n}"`).join(', ')}`);
    }
    return profile;
  }

  /** Explicit amounts; each limit must be at least its request. */
  public static of(amounts: { readonly requests: ResourceAmounts; readonly limits: ResourceAmounts }): ResourceProfile {
    checkKnownProps('ResourceProfile.of', 'amounts', amounts, { requests: true, limits: true });
    checkKnownProps('ResourceProfile.of', 'amounts.requests', amounts.requests, AMOUNT_KEYS);
    checkKnownProps('ResourceProfile.of', 'amounts.limits', amounts.limits, AMOUNT_KEYS);
    return new ResourceProfile('custom', amounts.requests, amounts.limits);
  }

  private static preset(name: string, cpuRequest: number, cpuLimit: number, memory: number, diskRequest: number, diskLimit: number) {
    return new ResourceProfile(name,
      { cpu: Cpu.millis(cpuRequest), memory: Size.mebibytes(memory), ephemeralStorage: Size.mebibytes(diskRequest) },
      { cpu: Cpu.millis(cpuLimit), memory: Size.mebibytes(memory), ephemeralStorage: Size.mebibytes(diskLimit) });
  }

  private constructor(
    /** The preset's name, or `custom`. */
    public readonly name: string,
    public readonly requests: ResourceAmounts,
    public readonly limits: ResourceAmounts,
  ) {}

  /**
   * What is wrong with the amounts, for the construct that uses the profile to report with its
   * own path (a profile made with `of()` is not tied to a service yet): each with the field
   * (`limits.memory`), the rejected value and how to fix it. Empty when the profile is usable.
   */
  public problems(): Array<{ readonly field: string; readonly value: unknown; readonly fix: string }> {
    const out: Array<{ field: string; value: unknown; fix: string }> = [];
    const amounts = { requests: this.requests, limits: this.limits };
    const parsed: Record<string, Record<string, number | undefined>> = { requests: {}, limits: {} };
    for (const side of ['requests', 'limits'] as const) {
      const a = amounts[side] ?? ({} as ResourceAmounts);
      const cpu = typeof a.cpu?.amount === 'string' ? millicores(a.cpu.amount) : undefined;
      if (cpu === undefined) {
        out.push({ field: `${side}.cpu`, value: a.cpu?.amount ?? a.cpu, fix: 'use Cpu.millis(250) or Cpu.units(1) from cdk8s-plus-27 (an amount such as "250m" or "1")' });
      }
      parsed[side].cpu = cpu;
      for (const field of ['memory', 'ephemeralStorage'] as const) {
        const size = a[field];
        const kib = size instanceof Size ? size.toKibibytes() : undefined;
        if (kib === undefined || !(kib > 0)) {
          out.push({ field: `${side}.${field}`, value: size instanceof Size ? `${kib}Ki` : size, fix: 'use a positive cdk8s Size such as Size.mebibytes(128)' });
        }
        parsed[side][field] = kib;
      }
    }
    for (const field of ['cpu', 'memory', 'ephemeralStorage']) {
      const request = parsed.requests[field];
      const limit = parsed.limits[field];
      if (request !== undefined && limit !== undefined && limit < request) {
        const unit = field === 'cpu' ? 'm' : 'Ki';
        out.push({ field: `limits.${field}`, value: `${limit}${unit}`, fix: `the limit is below the request (${request}${unit}); raise the limit or lower the request` });
      }
    }
    return out;
  }

  /** The `resources` block of a container. */
  public toKube(): k8s.ResourceRequirements {
    const quantities = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
    const amounts = this.toAmounts();
    return { requests: quantities(amounts.requests), limits: quantities(amounts.limits) };
  }

  /** Requests and limits as quantity strings (`cpu`, `memory`, `ephemeral-storage`), for any object type. */
  public toAmounts(): { readonly requests: Record<string, string>; readonly limits: Record<string, string> } {
    return { requests: render(this.requests), limits: render(this.limits) };
  }
}

function render(a: ResourceAmounts): Record<string, string> {
  return {
    'cpu': a.cpu.amount,
    'memory': `${a.memory.toMebibytes()}Mi`,
    'ephemeral-storage': `${a.ephemeralStorage.toMebibytes()}Mi`,
  };
}

/** Refuses `resources` that are not a ResourceProfile, or whose amounts are unusable, naming the field. */
export function checkResourceProfile(scope: IConstruct, resources: unknown): void {
  if (resources === undefined) return;
  if (!(resources instanceof ResourceProfile)) {
    throw new PropValidationError(scope, 'resources', resources, 'use a preset such as ResourceProfile.SMALL, or ResourceProfile.of({ requests, limits })');
  }
  const [problem] = resources.problems();
  if (problem) throw new PropValidationError(scope, `resources.${problem.field}`, problem.value, problem.fix);
}

/** Millicores of a CPU amount ("250m", "1", "0.5"), or undefined when it is not one. */
function millicores(amount: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(amount);
  if (!m || !(Number(m[1]) > 0)) return undefined;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

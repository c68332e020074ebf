import { Size } from 'cdk8s';
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
  ) {
    const checks: Array<[string, number, number]> = [
      ['cpu', millicores(requests.cpu), millicores(limits.cpu)],
      ['memory', requests.memory.toKibibytes(), limits.memory.toKibibytes()],
      ['ephemeralStorage', requests.ephemeralStorage.toKibibytes(), limits.ephemeralStorage.toKibibytes()],
    ];
    for (const [field, request, limit] of checks) {
      if (!(request > 0) || !(limit >= request)) {
        throw new PropValidationError(`ResourceProfile "${name}"`, `${field}`, { request, limit },
          'requests must be greater than 0 and limits at least as large as requests');
      }
    }
  }

  /** The `resources` block of a container. */
  public toKube(): k8s.ResourceRequirements {
    return { requests: render(this.requests), limits: render(this.limits) };
  }
}

function render(a: ResourceAmounts): { [key: string]: k8s.Quantity } {
  return {
    'cpu': k8s.Quantity.fromString(a.cpu.amount),
    'memory': k8s.Quantity.fromString(`${a.memory.toMebibytes()}Mi`),
    'ephemeral-storage': k8s.Quantity.fromString(`${a.ephemeralStorage.toMebibytes()}Mi`),
  };
}

function millicores(cpu: CpuAmount): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

// Kubernetes Pod Security Standards, "restricted" profile as of v1.27: all baseline controls
// plus the restricted ones. Check ids and semantics follow k8s.io/pod-security-admission
// (policy/check_*.go); see policy/licenses/pod-security-admission.LICENSE.
// Every pod-bearing workload's pod template is checked, including init and ephemeral containers.

import { CheckMemo, remembered } from '../cache/check-memo';
import { KubeObject, PolicyFinding, PolicyRule } from './types';
import { asArray, containerLabel, containersOf, finder, isObject, show, Workload, workloadOf } from './workload';

const TOOL = 'pod-security' as const;

export const POD_SECURITY_RULES: readonly PolicyRule[] = [
  // baseline
  { tool: TOOL, rule: 'hostProcess', description: 'Baseline: Windows HostProcess containers are forbidden (securityContext.windowsOptions.hostProcess).' },
  { tool: TOOL, rule: 'hostNamespaces', description: 'Baseline: sharing the host network, PID or IPC namespace is forbidden.' },
  { tool: TOOL, rule: 'privileged', description: 'Baseline: privileged containers are forbidden.' },
  { tool: TOOL, rule: 'capabilities_baseline', description: 'Baseline: only the default capabilities (AUDIT_WRITE, CHOWN, ... SYS_CHROOT) may be added.' },
  { tool: TOOL, rule: 'hostPathVolumes', description: 'Baseline: hostPath volumes are forbidden.' },
  { tool: TOOL, rule: 'hostPorts', description: 'Baseline: hostPort must be unset or 0.' },
  { tool: TOOL, rule: 'appArmorProfile', description: 'Baseline: AppArmor annotations may only select runtime/default or localhost/* profiles.' },
  { tool: TOOL, rule: 'seLinuxOptions', description: 'Baseline: SELinux type limited to container_t/container_init_t/container_kvm_t; user and role must be unset.' },
  { tool: TOOL, rule: 'procMount', description: 'Baseline: procMount must be unset or Default.' },
  { tool: TOOL, rule: 'seccompProfile_baseline', description: 'Baseline: seccomp profile must not be Unconfined.' },
  { tool: TOOL, rule: 'sysctls', description: 'Baseline: only the safe sysctls of Kubernetes 1.27 may be set.' },
  // restricted
  { tool: TOOL, rule: 'restrictedVolumes', description: 'Restricted: only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.' },
  { tool: TOOL, rule: 'allowPrivilegeEscalation', description: 'Restricted: every container must set securityContext.allowPrivilegeEscalation=false.' },
  { tool: TOOL, rule: 'runAsNonRoot', description: 'Restricted: runAsNonRoot=true on the pod or on every container, and never false.' },
  { tool: TOOL, rule: 'runAsUser', description: 'Restricted: runAsUser must not be 0.' },
  { tool: TOOL, rule: 'seccompProfile_restricted', description: 'Restricted: seccomp profile RuntimeDefault or Localhost on the pod or on every container.' },
  { tool: TOOL, rule: 'capabilities_restricted', description: 'Restricted: every container drops ALL capabilities and adds at most NET_BIND_SERVICE.' },
];

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
// Safe sysctls as of policy version 1.27 (the tcp_keepalive_* and tcp_fin_timeout ones came in 1.29).
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports']);
// container_engine_t is only allowed from 1.31 on.
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const VALID_SECCOMP = new Set(['RuntimeDefault', 'Localhost']);

export function checkPodSecurity(manifests: readonly KubeObject[], memo?: CheckMemo): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const m of manifests) {
    // Every rule looks at the one object.
    out.push(...remembered(memo, m, TOOL, () => {
      const w = workloadOf(m, 'pod-security');
      return w ? checkWorkload(w) : [];
    }));
  }
  return out;
}

function checkWorkload(w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  const spec = w.podSpec;
  const podSc = isObject(spec.securityContext) ? spec.securityContext : {};
  const scPath = `${w.podSpecPath}.securityContext`;
  const containers = containersOf(w, { init: true, ephemeral: true });
  const csc = (c: { container: any }): Record<string, any> => (isObject(c.container.securityContext) ? c.container.securityContext : {});
  const isWindows = spec.os?.name === 'windows';

  // hostProcess
  if (podSc.windowsOptions?.hostProcess === true) {
    out.push(f('hostProcess', 'host process containers are forbidden: pod securityContext.windowsOptions.hostProcess=true', 'Remove windowsOptions.hostProcess (or set it to false).', `${scPath}.windowsOptions.hostProcess`));
  }
  for (const c of containers) {
    if (csc(c).windowsOptions?.hostProcess === true) {
      out.push(f('hostProcess', `host process containers are forbidden: ${containerLabel(c)} sets windowsOptions.hostProcess=true`, 'Remove windowsOptions.hostProcess (or set it to false).', `${c.path}.securityContext.windowsOptions.hostProcess`));
    }
  }

  // hostNamespaces
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) {
      out.push(f('hostNamespaces', `host namespaces are forbidden: ${field}=true`, `Remove ${field} (or set it to false).`, `${w.podSpecPath}.${field}`));
    }
  }

  // privileged
  for (const c of containers) {
    if (csc(c).privileged === true) {
      out.push(f('privileged', `privileged containers are forbidden: ${containerLabel(c)} sets securityContext.privileged=true`, 'Set securityContext.privileged to false (or leave it unset).', `${c.path}.securityContext.privileged`));
    }
  }

  // capabilities_baseline
  for (const c of containers) {
    const bad = asArray(csc(c).capabilities?.add).filter((cap) => !BASELINE_CAPABILITIES.has(String(cap)));
    if (bad.length) {
      out.push(f('capabilities_baseline', `non-default capabilities: ${containerLabel(c)} adds ${show(bad)}`, 'Do not add capabilities beyond the baseline set; the restricted profile allows only NET_BIND_SERVICE.', `${c.path}.securityContext.capabilities.add`));
    }
  }

  // hostPathVolumes
  asArray(spec.volumes).forEach((v, i) => {
    if (isObject(v) && v.hostPath !== undefined && v.hostPath !== null) {
      out.push(f('hostPathVolumes', `hostPath volumes are forbidden: volume "${v.name}" mounts ${show(v.hostPath?.path)} from the host`, 'Use an emptyDir, configMap, secret or persistentVolumeClaim volume instead of hostPath.', `${w.podSpecPath}.volumes[${i}].hostPath`));
    }
  });

  // hostPorts
  for (const c of containers) {
    asArray(c.container.ports).forEach((p, i) => {
      if (isObject(p) && p.hostPort !== undefined && p.hostPort !== null && Number(p.hostPort) !== 0) {
        out.push(f('hostPorts', `hostPort is forbidden: ${containerLabel(c)} uses hostPort ${p.hostPort}`, 'Remove hostPort; expose the port through a Service instead.', `${c.path}.ports[${i}].hostPort`));
      }
    });
  }

  // appArmorProfile (annotations in 1.27)
  for (const [key, value] of Object.entries(w.podAnnotations)) {
    if (key.startsWith(APPARMOR_PREFIX) && !(value === 'runtime/default' || value.startsWith('localhost/'))) {
      out.push(f('appArmorProfile', `forbidden AppArmor profile: annotation ${key}=${show(value)}`, 'Use "runtime/default" or a "localhost/<profile>" AppArmor profile, or remove the annotation.', `${w.templatePath ? `${w.templatePath}.` : ''}metadata.annotations["${key}"]`));
    }
  }

  // seLinuxOptions
  const seLinux = (opts: any, where: string, path: string): void => {
    if (!isObject(opts)) return;
    const bad: string[] = [];
    if (opts.type !== undefined && !SELINUX_TYPES.has(String(opts.type ?? ''))) bad.push(`type=${show(opts.type)}`);
    if (opts.user) bad.push(`user=${show(opts.user)}`);
    if (opts.role) bad.push(`role=${show(opts.role)}`);
    if (bad.length) {
      out.push(f('seLinuxOptions', `forbidden seLinuxOptions on ${where}: ${bad.join(', ')}`, 'Leave seLinuxOptions.user and .role unset and use type container_t, container_init_t or container_kvm_t (or leave it unset).', path));
    }
  };
  seLinux(podSc.seLinuxOptions, 'the pod', `${scPath}.seLinuxOptions`);
  for (const c of containers) seLinux(csc(c).seLinuxOptions, containerLabel(c), `${c.path}.securityContext.seLinuxOptions`);

  // procMount
  for (const c of containers) {
    const pm = csc(c).procMount;
    if (pm !== undefined && pm !== null && pm !== 'Default') {
      out.push(f('procMount', `procMount must be Default: ${containerLabel(c)} sets procMount=${show(pm)}`, 'Remove securityContext.procMount (or set it to Default).', `${c.path}.securityContext.procMount`));
    }
  }

  // seccompProfile_baseline
  if (podSc.seccompProfile?.type === 'Unconfined') {
    out.push(f('seccompProfile_baseline', 'seccomp profile must not be Unconfined: pod securityContext.seccompProfile.type="Unconfined"', 'Set securityContext.seccompProfile.type to RuntimeDefault.', `${scPath}.seccompProfile.type`));
  }
  for (const c of containers) {
    if (csc(c).seccompProfile?.type === 'Unconfined') {
      out.push(f('seccompProfile_baseline', `seccomp profile must not be Unconfined: ${containerLabel(c)} sets seccompProfile.type="Unconfined"`, 'Set securityContext.seccompProfile.type to RuntimeDefault.', `${c.path}.securityContext.seccompProfile.type`));
    }
  }

  // sysctls
  asArray(podSc.sysctls).forEach((s, i) => {
    const name = isObject(s) ? String(s.name) : String(s);
    if (!SAFE_SYSCTLS.has(name)) {
      out.push(f('sysctls', `forbidden sysctl ${show(name)}`, `Remove the sysctl; only ${[...SAFE_SYSCTLS].join(', ')} are allowed.`, `${scPath}.sysctls[${i}]`));
    }
  });

  // restrictedVolumes
  asArray(spec.volumes).forEach((v, i) => {
    if (!isObject(v)) return;
    const bad = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null && !RESTRICTED_VOLUME_SOURCES.has(k));
    if (bad.length) {
      out.push(f('restrictedVolumes', `restricted volume types: volume "${v.name}" uses ${bad.join(', ')}`, 'Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes.', `${w.podSpecPath}.volumes[${i}]`));
    }
  });

  // allowPrivilegeEscalation (Linux only since 1.25)
  if (!isWindows) {
    for (const c of containers) {
      if (csc(c).allowPrivilegeEscalation !== false) {
        out.push(f('allowPrivilegeEscalation', `allowPrivilegeEscalation != false: ${containerLabel(c)} has allowPrivilegeEscalation=${show(csc(c).allowPrivilegeEscalation)}`, 'Set securityContext.allowPrivilegeEscalation: false on every container.', `${c.path}.securityContext.allowPrivilegeEscalation`));
      }
    }
  }

  // runAsNonRoot
  const podNonRoot = podSc.runAsNonRoot;
  if (podNonRoot === false) {
    out.push(f('runAsNonRoot', 'runAsNonRoot != true: pod securityContext.runAsNonRoot=false', 'Set securityContext.runAsNonRoot: true on the pod.', `${scPath}.runAsNonRoot`));
  }
  for (const c of containers) {
    const v = csc(c).runAsNonRoot;
    if (v === false) {
      out.push(f('runAsNonRoot', `runAsNonRoot != true: ${containerLabel(c)} sets runAsNonRoot=false`, 'Set securityContext.runAsNonRoot: true (or remove the container override).', `${c.path}.securityContext.runAsNonRoot`));
    } else if (v !== true && podNonRoot !== true) {
      out.push(f('runAsNonRoot', `runAsNonRoot != true: neither the pod nor ${containerLabel(c)} sets runAsNonRoot=true`, 'Set securityContext.runAsNonRoot: true on the pod (or on every container).', `${scPath}.runAsNonRoot`));
    }
  }

  // runAsUser
  if (podSc.runAsUser === 0) {
    out.push(f('runAsUser', 'runAsUser=0: the pod runs as root', 'Set securityContext.runAsUser to a non-zero UID (this project uses 10101).', `${scPath}.runAsUser`));
  }
  for (const c of containers) {
    if (csc(c).runAsUser === 0) {
      out.push(f('runAsUser', `runAsUser=0: ${containerLabel(c)} runs as root`, 'Set securityContext.runAsUser to a non-zero UID (this project uses 10101).', `${c.path}.securityContext.runAsUser`));
    }
  }

  // seccompProfile_restricted (Linux only since 1.25)
  if (!isWindows) {
    const podType = podSc.seccompProfile?.type;
    const podOk = VALID_SECCOMP.has(podType);
    if (podType !== undefined && podType !== null && !podOk) {
      out.push(f('seccompProfile_restricted', `seccompProfile: pod securityContext.seccompProfile.type=${show(podType)}`, 'Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).', `${scPath}.seccompProfile.type`));
    }
    for (const c of containers) {
      const t = csc(c).seccompProfile?.type;
      if (t !== undefined && t !== null) {
        if (!VALID_SECCOMP.has(t)) {
          out.push(f('seccompProfile_restricted', `seccompProfile: ${containerLabel(c)} sets seccompProfile.type=${show(t)}`, 'Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).', `${c.path}.securityContext.seccompProfile.type`));
        }
      } else if (!podOk) {
        out.push(f('seccompProfile_restricted', `seccompProfile: neither the pod nor ${containerLabel(c)} sets seccompProfile.type to RuntimeDefault or Localhost`, 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.', `${scPath}.seccompProfile`));
      }
    }
  }

  // capabilities_restricted (Linux only since 1.25)
  if (!isWindows) {
    for (const c of containers) {
      const caps = csc(c).capabilities;
      const drop = asArray(caps?.drop).map(String);
      if (!drop.includes('ALL')) {
        out.push(f('capabilities_restricted', `unrestricted capabilities: ${containerLabel(c)} does not drop ALL (drop=${show(caps?.drop)})`, 'Set securityContext.capabilities.drop: ["ALL"].', `${c.path}.securityContext.capabilities.drop`));
      }
      const badAdd = asArray(caps?.add).map(String).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (badAdd.length) {
        out.push(f('capabilities_restricted', `unrestricted capabilities: ${containerLabel(c)} adds ${show(badAdd)}`, 'Add no capabilities except NET_BIND_SERVICE.', `${c.path}.securityContext.capabilities.add`));
      }
    }
  }

  return out;
}

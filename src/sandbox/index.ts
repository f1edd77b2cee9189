/** The sandbox: a bubblewrap profile, a seccomp filter and a launcher. */
export { runInSandbox, makePolicy, DEFAULT_AGENT_ID, type SandboxSpec } from './exec.js';
export { startNetworkProxy, type NetworkProxy, type NetworkProxyOptions, type ProxyLogEntry } from './net-proxy.js';
export { launchSandbox, type LaunchOptions, type SandboxResult } from './launcher.js';
export { DEFAULT_LIMITS, type SandboxLimits } from './limits.js';
export { probeSandbox, probeOverlay, type SandboxProbe, type SandboxProblem, type ProbeOptions } from './probe.js';
export { buildBwrapArgs, encodeArgs, SANDBOX_FDS, SANDBOX_PATH } from './profile.js';
export { buildSeccompProgram, hostSeccompArch, SECCOMP_RET } from './seccomp.js';
export { buildSandboxFiles, HOST_ETC_ALLOW_LIST } from './etc-files.js';
export { chownTree, resolveSandboxIdentity, lookupNobody, NOBODY, type HostIdentity } from './identity.js';
export { closeInheritableDescriptors, findInheritableDescriptors } from './descriptors.js';
export {
  validatePolicy,
  DEFAULT_TMPFS_SIZES,
  MERGED_USR_ROOT,
  SANDBOX_PATHS,
  type SandboxPolicy,
  type ProjectMount,
  type OverlayLayers,
  type PeerMount,
  type ExtraBind,
  type NetworkPolicy,
  type TmpfsSizes,
  type HostRoot,
} from './policy.js';

/**
 * What a VM size gives a Batch pool, read from the size's name. Pure: the config check, the Pulumi
 * program and the local Batch service share it, so a pool the local service accepts is one Azure
 * accepts too.
 */

/**
 * vCPUs of an Azure VM size, from Azure's naming convention
 * (https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions):
 * `Standard_<family><vCPUs>[-<constrained vCPUs>]<features>[_<accelerator>][_v<version>]`, e.g.
 * `Standard_D2as_v5` → 2, `Standard_E4-2as_v5` → 2 (constrained to 2 active vCPUs). Undefined when
 * the name carries no count. Some retired families break the convention (A8–A11, D11–D15, G), which
 * is one more reason config refuses them before asking this.
 */
export function vcpusOf(vmSize: string): number | undefined {
  const m = /^standard_[a-z]+(\d+)(?:-(\d+))?/i.exec(vmSize);
  if (!m) return undefined;
  return Number(m[2] ?? m[1]);
}

/** Batch's own limit on task slots per node: 4 × the size's vCPUs, and never more than 256. */
export function taskSlotLimit(vcpus: number): number {
  return Math.min(256, 4 * vcpus);
}

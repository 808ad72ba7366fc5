/**
 * A VM size's cores, for the node's reported size and the default process cap. Local nodes are
 * directories, not VMs: the table documents what each size would give on Azure.
 */
const CORES: Record<string, number> = {
  standard_a1_v2: 1,
  standard_a2_v2: 2,
  standard_a4_v2: 4,
  standard_d2s_v3: 2,
  standard_d4s_v3: 4,
  standard_d2as_v5: 2,
  standard_d4as_v5: 4,
  standard_d8as_v5: 8,
  standard_d2s_v5: 2,
  standard_d4s_v5: 4,
  standard_d8s_v5: 8,
  standard_d2ads_v5: 2,
  standard_d4ads_v5: 4,
  standard_f2s_v2: 2,
  standard_f4s_v2: 4,
  standard_f8s_v2: 8,
  standard_e2as_v5: 2,
  standard_e4as_v5: 4,
};

/** Cores of a size; sizes not in the table are read from their name (`Standard_D16as_v5` → 16). */
export function vmCores(vmSize: string): number | undefined {
  const known = CORES[vmSize.toLowerCase()];
  if (known !== undefined) return known;
  const m = /^standard_[a-z]+(\d+)/i.exec(vmSize);
  return m ? Number(m[1]) : undefined;
}

/** Batch's limit on task slots per node: 4 × cores, at most 256. */
export function maxTaskSlots(vmSize: string): number {
  return Math.min(256, 4 * (vmCores(vmSize) ?? 1));
}

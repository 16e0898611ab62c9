/**
 * Sandpiper's volume (Liang 2009 eq. 5), how loaded a host or a VM is, all three resources
 * together: the sandpiper policy orders its victims by volume/size with it, and both hotspot
 * policies order their destinations by the volume of each host (hotspot-pass.ts). Its
 * arguments are utilisations, fractions of a host's capacity.
 */

/** Utilisations are capped below 1 so that 1/(1-u) stays finite (Sandpiper's volume, eq. 5). */
export const MAX_UTILISATION = 0.99

const capped = (u: number) => Math.min(MAX_UTILISATION, Math.max(0, Number.isFinite(u) ? u : MAX_UTILISATION))

/** Sandpiper's volume (Liang 2009 eq. 5): 1/((1-cpu)(1-mem)(1-net)), each utilisation capped below 1. */
export function sandpiperVolume(cpu: number, mem: number, net: number): number {
  return 1 / ((1 - capped(cpu)) * (1 - capped(mem)) * (1 - capped(net)))
}

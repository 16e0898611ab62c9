import pLimit from 'p-limit'

export type HostOutcome<T> = {host: string; ok: true; value: T} | {host: string; ok: false; error: Error}

export function maxParallel(): number {
  const n = Number(process.env.VIOLIN_MAX_PARALLEL)
  return Number.isInteger(n) && n > 0 ? n : 32
}

/** Runs fn on every host, at most `limit` at once; one host's failure never stops the others. */
export async function fanout<H extends {name: string}, T>(
  hosts: readonly H[],
  fn: (host: H) => Promise<T>,
  limit = maxParallel(),
): Promise<HostOutcome<T>[]> {
  const gate = pLimit(limit)
  return Promise.all(
    hosts.map((host) =>
      gate(async (): Promise<HostOutcome<T>> => {
        try {
          return {host: host.name, ok: true, value: await fn(host)}
        } catch (error) {
          return {host: host.name, ok: false, error: error instanceof Error ? error : new Error(String(error))}
        }
      }),
    ),
  )
}

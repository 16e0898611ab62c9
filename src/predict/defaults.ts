/** What predictions assume without a calibration, or where nothing measured says otherwise (measured on the test bed, test/bed/README.md). */
export const DEFAULTS = {
  /** A gigabit link. */
  bandwidthMiBs: 119,
  /** Hypervisor job time that depends on neither the data sent nor the memory (the memory term is DEFAULT_MEMORY_MS_PER_MIB). */
  fixedMs: 420,
  /** SSH, destination start and confirmation around the job: ~3.4 s wall against ~0.6 s job. */
  overheadMs: 2800,
  /** Switch-over pause besides the last round. */
  downtimeMs: 30,
  /** A violin command's start to its first migration (reading the hosts, planning): the median lead_ms of 47 moves on the test bed. */
  startupMs: 800,
  /**
   * Between two migrations one after another: the job's statistics, the history, the switch,
   * and checking the next move (its host, its files on both hosts): 567-632 ms between the
   * moves of `violin vacate` on the test bed.
   */
  gapMs: 600,
  /** After the last migration to the command's end (the history, the switch, closing connections): what the bed's batches took beyond their recorded parts, 0.6-1.3 s. */
  tailMs: 1000,
  /** Spread when too few measurements say what it is: +-25%. */
  relativeSpread: 0.25,
  /**
   * What a guest's first round sends beyond the memory it reports in use (kernel, caches,
   * pages freed but not zeroed): idle and dirtying 256 MiB guests on the test bed sent 28-35
   * MiB more than they held.
   */
  residentExtraMiB: 35,
  /** What an idle guest sends when nothing says more (the test bed: 62-80 MiB for guests of 128 MiB to 1 GiB). */
  idleSentMiB: 70,
}

/** How long work (a migration, a gc run) reports how far it got: a bar on a terminal, a few lines otherwise (cli/progress.ts). */
export interface Progress {
  /** A phase begins with `total` items (an estimate is fine: the bar shows where it really ended). */
  phase(name: string, total: number): void
  tick(): void
  done(): void
}

/** What onProgress receives. `loaded` never decreases and never passes `total`. */
export interface UploadProgress {
  loaded: number
  total: number
  /** loaded / total, from 0 to 1. */
  fraction: number
}

/**
 * Folds byte counts from retried requests and parallel parts into one monotonic figure: a retry restarting at
 * zero does not move the bar back, and duplicated counts cannot push it past 100%.
 */
export class ProgressTracker {
  private reported = 0
  private readonly bySlot = new Map<number, number>()

  constructor(
    readonly total: number,
    private readonly listener?: (progress: UploadProgress) => void,
  ) {}

  /** Bytes done so far in one slot (a part, or the single PUT); slots are summed. */
  update(slot: number, loaded: number): void {
    this.bySlot.set(slot, Math.max(0, loaded))
    let sum = 0
    for (const value of this.bySlot.values()) sum += value
    this.report(sum)
  }

  /** Marks a slot as fully done with its final size. */
  complete(slot: number, size: number): void {
    this.update(slot, size)
  }

  /** Marks several slots done at once (parts found in the bucket on resume): one jump, one report. */
  completeAll(slots: Iterable<[slot: number, size: number]>): void {
    let last: [number, number] | undefined
    for (const entry of slots) {
      if (last) this.bySlot.set(last[0], last[1])
      last = entry
    }
    if (last) this.update(last[0], last[1])
  }

  private report(loaded: number): void {
    const clamped = Math.min(this.total, loaded)
    if (clamped <= this.reported) return
    this.reported = clamped
    this.listener?.({ loaded: clamped, total: this.total, fraction: this.total === 0 ? 1 : clamped / this.total })
  }
}

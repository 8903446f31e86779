/**
 * The contract every UploadLedger must keep, written once and run against each implementation (today: MongoLedger,
 * on whichever MongoDB-wire server the stack provides — FerretDB natively, MongoDB under testcontainers or MONGO_URI).
 */
import type { Test } from 'tap'
import type { LedgerMaintenance, TransitionChanges, UploadLedger } from '../../server/src/storage/ledger.js'
import { DuplicateRecordError } from '../../server/src/storage/ledger.js'
import { newUploadId } from '../../server/src/uploads/keys.js'
import type { UploadRecord } from '../../server/src/uploads/record.js'
import { sampleRecord } from '../helpers/records.js'
import type { UploadStatus } from '../../protocol/src/uploads.js'
import { toWireEvent, type StoredEvent } from '../../server/src/events/stored-event.js'

export interface LedgerUnderTest {
  make: () => Promise<UploadLedger & LedgerMaintenance>
  /** The events written for an upload, in feed order. */
  eventsOf: (ledger: UploadLedger & LedgerMaintenance, uploadId: string) => Promise<StoredEvent[]>
  /** Every event of a workspace, in feed order. */
  eventsOfWorkspace: (ledger: UploadLedger & LedgerMaintenance, workspaceId: string) => Promise<StoredEvent[]>
  /** Another writer on the same store (another process, as far as the implementation allows). */
  secondWriter: (ledger: UploadLedger & LedgerMaintenance) => Promise<UploadLedger & LedgerMaintenance>
  /** Leaves what a writer that died between claiming `from → to` and applying it leaves behind, `ageMs` ago. */
  leaveStuckClaim: (
    ledger: UploadLedger & LedgerMaintenance,
    uploadId: string,
    from: UploadStatus,
    to: Exclude<UploadStatus, 'pending'>,
    ageMs: number,
  ) => Promise<void>
  /** The apply step of a transition whose claim was taken earlier, by a writer that stalled in between. */
  applyLate: (
    ledger: UploadLedger & LedgerMaintenance,
    uploadId: string,
    from: UploadStatus,
    changes: TransitionChanges,
  ) => Promise<UploadRecord | undefined>
}

export function ledgerContract(t: Test, under: LedgerUnderTest): void {
  const { make: makeLedger, leaveStuckClaim, applyLate, eventsOf } = under
  t.test('ensureIndexes can run at every start', async (t) => {
    const ledger = await makeLedger()
    await ledger.ensureIndexes()
    await ledger.ensureIndexes()
    t.pass('twice without error')
  })

  t.test('insert then get, scoped by workspace', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    t.equal((await ledger.get('ws-contract', record._id))?.key, record.key)
    t.equal(await ledger.get('another', record._id), undefined)
    t.equal((await ledger.getById(record._id))?._id, record._id)
    t.equal((await ledger.findByKey(record.key))?._id, record._id)
  })

  t.test('a duplicate id or key is a DuplicateRecordError', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    await t.rejects(ledger.insert({ ...record }), DuplicateRecordError)
    await t.rejects(ledger.insert(sampleRecord({ key: record.key })), DuplicateRecordError)
  })

  t.test('transition applies only from the given status', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    t.equal(await ledger.transition(record._id, 'confirmed', { status: 'deleted' }), undefined)
    const confirmed = await ledger.transition(record._id, 'pending', { status: 'confirmed', url: 'https://cdn/x' })
    t.equal(confirmed?.status, 'confirmed')
    t.equal(confirmed?.url, 'https://cdn/x')
    t.equal(
      await ledger.transition(record._id, 'pending', { status: 'expired' }),
      undefined,
      'pending was left already',
    )
    t.equal((await ledger.transition(record._id, 'confirmed', { status: 'deleted' }))?.status, 'deleted')
  })

  t.test('a transition given the record as the caller read it: applied once; that read, reused, loses', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    const confirmed = await ledger.transition(
      record._id,
      'pending',
      { status: 'confirmed', url: 'https://cdn/y' },
      record,
    )
    t.equal(confirmed?.status, 'confirmed')
    t.equal(confirmed?.key, record.key)
    t.equal(
      await ledger.transition(record._id, 'pending', { status: 'expired' }, record),
      undefined,
      'the read is stale: leaving pending was claimed',
    )
    t.equal((await ledger.getById(record._id))?.status, 'confirmed')
    const events = await eventsOf(ledger, record._id)
    t.same(
      events.map((event) => event.type),
      ['upload.confirmed'],
      'one event',
    )
  })

  t.test('concurrent transitions from one status: exactly one wins, every time', async (t) => {
    const ledger = await makeLedger()
    for (let round = 0; round < 20; round++) {
      const record = sampleRecord()
      await ledger.insert(record)
      const results = await Promise.all(
        (['confirmed', 'expired', 'rejected', 'deleted', 'confirmed', 'expired', 'deleted', 'confirmed'] as const).map(
          (status) => ledger.transition(record._id, 'pending', { status }),
        ),
      )
      const winners = results.filter(Boolean)
      if (winners.length !== 1) t.fail(`round ${round}: ${winners.length} winners`)
      t.equal(
        (await ledger.getById(record._id))?.status,
        winners[0]?.status,
        `round ${round}: the record shows the winner`,
      )
    }
  })

  t.test('each transition writes one event with the record as the change left it; losers write none', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord({ metadataPairs: ['stepId=s-1'] })
    await ledger.insert(record)
    await Promise.all([
      ledger.transition(record._id, 'pending', { status: 'confirmed', url: 'https://cdn/x' }),
      ledger.transition(record._id, 'pending', { status: 'expired' }),
    ])
    await ledger.transition(record._id, 'confirmed', { status: 'deleted' })
    const events = await eventsOf(ledger, record._id)
    const winner = (await ledger.getById(record._id))?.status === 'deleted' ? 'upload.confirmed' : 'upload.expired'
    t.same(
      events.map((event) => event.type),
      winner === 'upload.confirmed' ? ['upload.confirmed', 'upload.deleted'] : ['upload.expired'],
      'one per transition that happened, in feed order',
    )
    const first = events[0]!
    t.equal(first.data.status, first.type.slice('upload.'.length), 'the view shows the new status')
    t.same(toWireEvent(first).data.metadata, { stepId: 's-1' }, 'and carries the metadata')
    t.equal(first.workspaceId, record.workspaceId)
    t.match(first.eventId, /^evt_[0-9A-Z]{26}$/)
  })

  t.test('two writers append concurrently: every event gets a distinct seq, no gaps', async (t) => {
    const writers = [await makeLedger()]
    writers.push(await under.secondWriter(writers[0]!))
    const workspaceId = `ws-seq-${newUploadId()}`
    const records = Array.from({ length: 30 }, () => sampleRecord({ workspaceId }))
    for (const record of records) await writers[0]!.insert(record)
    const writerOf = (index: number) => writers[index % 2]!
    await Promise.all(
      records.map(async (record, index) => {
        await writerOf(index).transition(record._id, 'pending', { status: 'confirmed', url: 'u' })
        await writerOf(index + 1).transition(record._id, 'confirmed', { status: 'deleted' })
      }),
    )
    const events = await under.eventsOfWorkspace(writers[0]!, workspaceId)
    t.same(
      events.map((event) => event.seq),
      Array.from({ length: 60 }, (_, index) => index + 1),
      '1, 2, … 60: one seq each, none skipped',
    )
    t.equal(new Set(events.map((event) => event.eventId)).size, 60, 'sixty distinct events')
    for (const record of records) {
      const [confirmed, deleted] = events.filter((event) => event.uploadId === record._id)
      if (!(confirmed!.seq < deleted!.seq)) t.fail(`${record._id}: its events out of order`)
    }
  })

  t.test('settled: the record once it has left the status; undefined while it stays', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    t.equal(await ledger.settled(record._id, 'pending'), undefined, 'still pending: undefined after a short wait')
    await ledger.transition(record._id, 'pending', { status: 'confirmed' })
    t.equal((await ledger.settled(record._id, 'pending'))?.status, 'confirmed')
  })

  t.test('list: newest first, by status, with a cursor', async (t) => {
    const ledger = await makeLedger()
    const workspaceId = `ws-list-${Date.now()}`
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const record = sampleRecord({ workspaceId, status: i === 3 ? 'rejected' : 'confirmed' })
      ids.push(record._id)
      await ledger.insert(record)
    }
    const page = await ledger.listPage({ workspaceId, statuses: ['confirmed'], limit: 2 })
    t.same(
      page.map((r) => r._id),
      [ids[2], ids[1]],
    )
    const next = await ledger.listPage({ workspaceId, statuses: ['confirmed'], beforeId: ids[1], limit: 2 })
    t.same(
      next.map((r) => r._id),
      [ids[0]],
    )
  })

  t.test('usedBytes sums pending and confirmed sizes only', async (t) => {
    const ledger = await makeLedger()
    const workspaceId = `ws-used-${Date.now()}`
    const sizes = { pending: 10, confirmed: 200, rejected: 3000, expired: 40_000, deleted: 500_000 } as const
    for (const [status, size] of Object.entries(sizes)) {
      await ledger.insert(sampleRecord({ workspaceId, status: status as UploadRecord['status'], size }))
    }
    t.equal(await ledger.usedBytes(workspaceId), 210)
    t.equal(await ledger.usedBytes('nobody'), 0)
  })

  t.test('admit counts an upload until a transition ends it, and refuses one that does not fit', async (t) => {
    const ledger = await makeLedger()
    const workspaceId = `ws-admit-${newUploadId()}`
    const [a, b, c] = [0, 1, 2].map(() => sampleRecord({ workspaceId, size: 100 }))
    t.equal(await ledger.admit(a!, 250), true)
    t.equal(await ledger.admit(b!, 250), true)
    t.equal(await ledger.admit(c!, 250), false, 'the third passes the quota')
    t.equal(await ledger.getById(c!._id), undefined, 'and is not stored')
    t.equal(await ledger.usedBytes(workspaceId), 200)
    await ledger.transition(a!._id, 'pending', { status: 'confirmed' })
    t.equal(await ledger.usedBytes(workspaceId), 200, 'a confirmed upload still counts')
    await ledger.transition(a!._id, 'confirmed', { status: 'deleted' })
    t.equal(await ledger.usedBytes(workspaceId), 100, 'a deleted one is given back')
    t.equal(await ledger.admit(c!, 250), true, 'so the third fits now')
    await ledger.transition(b!._id, 'pending', { status: 'expired' })
    await ledger.transition(c!._id, 'pending', { status: 'rejected', reason: 'size_mismatch' })
    t.equal(await ledger.usedBytes(workspaceId), 0, 'expired and rejected ones too')
    t.equal(await ledger.admit(sampleRecord({ workspaceId, size: 10 ** 12 }), Infinity), true, 'no quota: any size')
  })

  t.test(
    'records stored before the quota journal count from its opening and are given back when they end',
    async (t) => {
      const ledger = await makeLedger()
      const workspaceId = `ws-opening-${newUploadId()}`
      const old = sampleRecord({ workspaceId, status: 'confirmed', size: 50 })
      await ledger.insert(old)
      await ledger.insert(sampleRecord({ workspaceId, size: 30 }))
      await ledger.insert(sampleRecord({ workspaceId, status: 'deleted', size: 1000 }))
      t.equal(await ledger.admit(sampleRecord({ workspaceId, size: 10 }), 100), true, '50 + 30 + 10 fit in 100')
      const bigger = sampleRecord({ workspaceId, size: 20 })
      t.equal(await ledger.admit(bigger, 100), false, '50 + 30 + 10 + 20 do not')
      await ledger.transition(old._id, 'confirmed', { status: 'deleted' })
      t.equal(await ledger.usedBytes(workspaceId), 40)
      t.equal(await ledger.admit(bigger, 100), true)
    },
  )

  t.test('two writers admitting at once never pass the quota, and fill it exactly', async (t) => {
    const ledger = await makeLedger()
    const second = await under.secondWriter(ledger)
    const workspaceId = `ws-admit-race-${newUploadId()}`
    const verdicts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? second : ledger).admit(sampleRecord({ workspaceId, size: 10 }), 100),
      ),
    )
    t.equal(verdicts.filter(Boolean).length, 10)
    t.equal(await ledger.usedBytes(workspaceId), 100)
    t.equal((await ledger.listPage({ workspaceId, statuses: ['pending'], limit: 100 })).length, 10)
  })

  t.test('room another writer gives back is usable at once by this one', async (t) => {
    const ledger = await makeLedger()
    const second = await under.secondWriter(ledger)
    const workspaceId = `ws-admit-freed-${newUploadId()}`
    const first = sampleRecord({ workspaceId, size: 60 })
    t.equal(await ledger.admit(first, 100), true)
    const next = sampleRecord({ workspaceId, size: 60 })
    t.equal(await ledger.admit(next, 100), false, 'full')
    await second.transition(first._id, 'pending', { status: 'deleted' })
    t.equal(await ledger.admit(next, 100), true, 'after the other writer deleted one, it fits')
  })

  t.test('an admission whose record is refused (a duplicate key) gives its bytes back', async (t) => {
    const ledger = await makeLedger()
    const workspaceId = `ws-admit-dup-${newUploadId()}`
    const first = sampleRecord({ workspaceId, size: 10 })
    t.equal(await ledger.admit(first, 100), true)
    await t.rejects(ledger.admit(sampleRecord({ workspaceId, key: first.key, size: 10 }), 100), DuplicateRecordError)
    t.equal(await ledger.usedBytes(workspaceId), 10)
  })

  t.test('findExpired returns pending records past their expiry, oldest first', async (t) => {
    const ledger = await makeLedger()
    const now = new Date()
    const old = sampleRecord({ expiresAt: new Date(now.getTime() - 120_000) })
    const older = sampleRecord({ expiresAt: new Date(now.getTime() - 240_000) })
    const fresh = sampleRecord()
    const done = sampleRecord({ status: 'confirmed', expiresAt: new Date(now.getTime() - 240_000) })
    for (const record of [old, older, fresh, done]) await ledger.insert(record)
    const expired = await ledger.findExpired(now, 100)
    const ours = expired.filter((r) => [old._id, older._id, fresh._id, done._id].includes(r._id)).map((r) => r._id)
    t.same(ours, [older._id, old._id])
  })

  t.test('findPurgeDue returns ended records whose purge time has come, until clearPurge', async (t) => {
    const ledger = await makeLedger()
    const now = new Date()
    const due = sampleRecord({ status: 'deleted', purgeAfter: new Date(now.getTime() - 1000) })
    const later = sampleRecord({ status: 'rejected', purgeAfter: new Date(now.getTime() + 60_000) })
    const none = sampleRecord({ status: 'deleted' })
    for (const record of [due, later, none]) await ledger.insert(record)
    const ours = (list: { _id: string }[]) =>
      list.map((r) => r._id).filter((id) => [due._id, later._id, none._id].includes(id))
    t.same(ours(await ledger.findPurgeDue(now, 100)), [due._id])
    await ledger.clearPurge(due._id)
    t.same(ours(await ledger.findPurgeDue(now, 100)), [])
    t.equal((await ledger.getById(due._id))?.purgeAfter, undefined)
  })

  t.test('scan yields every record in the given statuses', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord({ status: 'confirmed', workspaceId: `ws-scan-${Date.now()}` })
    await ledger.insert(record)
    const seen: string[] = []
    for await (const r of ledger.scan(['confirmed'])) seen.push(r._id)
    t.ok(seen.includes(record._id))
  })

  t.test('a transition whose writer died after claiming is finished by the next attempt once it is old', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    await leaveStuckClaim(ledger, record._id, 'pending', 'expired', 60_000)
    const stuck = await ledger.findStuckTransitions(new Date(Date.now() - 30_000))
    t.same(
      stuck.filter((s) => s.uploadId === record._id),
      [{ uploadId: record._id, from: 'pending' }],
    )
    t.equal(
      await ledger.transition(record._id, 'pending', { status: 'confirmed' }),
      undefined,
      'the dead writer had won',
    )
    t.equal((await ledger.getById(record._id))?.status, 'expired', 'and its change is now applied')
    t.same(
      (await ledger.findStuckTransitions(new Date())).filter((s) => s.uploadId === record._id),
      [],
    )
  })

  t.test('a stalled writer that applies after its claim was finished for it never rolls the record back', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    // The writer claimed pending → confirmed and stalled; a clock that judged its claim stuck finished it.
    await leaveStuckClaim(ledger, record._id, 'pending', 'confirmed', 60_000)
    t.equal(await ledger.completeStuckTransition(record._id, 'pending'), true)
    t.equal((await ledger.transition(record._id, 'confirmed', { status: 'deleted' }))?.status, 'deleted')
    t.equal(
      await applyLate(ledger, record._id, 'pending', { status: 'confirmed' }),
      undefined,
      'the late apply is refused',
    )
    t.equal((await ledger.getById(record._id))?.status, 'deleted', 'the record stays deleted')
    t.equal(await ledger.completeStuckTransition(record._id, 'pending'), false, 'nothing left to finish')
  })

  t.test(
    'a claim its writer has not applied yet is finished at once by the next attempt, whatever its age',
    async (t) => {
      const ledger = await makeLedger()
      const record = sampleRecord()
      await ledger.insert(record)
      // Claimed a second ago, or "in the future" by a writer whose clock runs ahead: neither waits for an age.
      for (const ageMs of [1_000, -60_000]) {
        const claimed = sampleRecord()
        await ledger.insert(claimed)
        await leaveStuckClaim(ledger, claimed._id, 'pending', 'expired', ageMs)
        t.equal(
          await ledger.transition(claimed._id, 'pending', { status: 'confirmed' }),
          undefined,
          'the claim is taken',
        )
        t.equal(
          (await ledger.getById(claimed._id))?.status,
          'expired',
          `claimed ${ageMs} ms ago: its change is applied`,
        )
        t.equal((await ledger.settled(claimed._id, 'pending'))?.status, 'expired', 'so the loser answers with it')
      }
      t.equal((await ledger.getById(record._id))?.status, 'pending', 'other records are left alone')
    },
  )

  t.test('the doctor finishes only claims at least STUCK_TRANSITION_MS old', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    await leaveStuckClaim(ledger, record._id, 'pending', 'expired', 1_000)
    t.same(
      (await ledger.findStuckTransitions(new Date(Date.now() - 30_000))).filter((s) => s.uploadId === record._id),
      [],
    )
    t.equal(await ledger.completeStuckTransition(record._id, 'pending'), false, 'a writer that may be slow')
    t.equal((await ledger.getById(record._id))?.status, 'pending')
  })

  t.test('a fresh claim is never taken over as stuck', async (t) => {
    const ledger = await makeLedger()
    const record = sampleRecord()
    await ledger.insert(record)
    await ledger.transition(record._id, 'pending', { status: 'confirmed' })
    t.same(
      (await ledger.findStuckTransitions(new Date())).filter((s) => s.uploadId === record._id),
      [],
    )
    t.equal(await ledger.completeStuckTransition(record._id, 'pending'), false)
  })

  t.test(
    'replaceUrls sets the URLs only while they are as the caller read them; no status change, no event',
    async (t) => {
      const ledger = await makeLedger()
      const record = sampleRecord()
      await ledger.insert(record)
      const variant = { width: 320, height: 200, format: 'webp' as const, key: `${record.key}.w320.webp`, bytes: 10 }
      const read = await ledger.transition(record._id, 'pending', {
        status: 'confirmed',
        url: `https://old.example/${record.key}`,
        variants: [{ ...variant, url: `https://old.example/${variant.key}` }],
      })
      const eventsBefore = (await eventsOf(ledger, record._id)).length
      const moved = {
        url: `https://new.example/${record.key}`,
        variants: [{ ...variant, url: `https://new.example/${variant.key}` }],
      }
      t.equal(await ledger.replaceUrls(record._id, { url: read?.url, variants: read?.variants }, moved), true)
      const after = await ledger.getById(record._id)
      t.equal(after?.url, moved.url)
      t.same(after?.variants, moved.variants)
      t.equal(after?.status, 'confirmed')
      t.equal((await eventsOf(ledger, record._id)).length, eventsBefore, 'no event')
      t.equal(
        await ledger.replaceUrls(record._id, { url: read?.url, variants: read?.variants }, { url: 'https://other/x' }),
        false,
        'the URLs changed since that read: refused',
      )
      t.equal((await ledger.getById(record._id))?.url, moved.url)

      const again = (await ledger.getById(record._id))!
      const variantsOnly = { variants: [{ ...variant, url: `https://third.example/${variant.key}` }] }
      t.equal(await ledger.replaceUrls(record._id, { url: again.url, variants: again.variants }, variantsOnly), true)
      t.equal(
        await ledger.replaceUrls(record._id, { url: again.url, variants: again.variants }, { url: 'https://other/y' }),
        false,
        'the same URL but other variants since that read: refused',
      )
      t.same((await ledger.getById(record._id))?.variants, variantsOnly.variants)
    },
  )

  t.test(
    'replaceUrls: absent variants match absent ones, and a second replace from the old read is refused',
    async (t) => {
      const ledger = await makeLedger()
      const record = sampleRecord()
      await ledger.insert(record)
      await ledger.transition(record._id, 'pending', { status: 'confirmed', url: 'https://old.example/a.png' })
      const read = { url: 'https://old.example/a.png' }
      t.equal(
        await ledger.replaceUrls(record._id, read, { url: 'https://new.example/a.png' }),
        true,
        'absent matches absent',
      )
      t.equal(await ledger.replaceUrls(record._id, read, { url: 'https://new.example/b.png' }), false)
      t.equal((await ledger.getById(record._id))?.url, 'https://new.example/a.png')
    },
  )
}

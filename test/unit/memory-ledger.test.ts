/** The in-memory ledger the unit tests use keeps the same contract as MongoLedger. */
import t from 'tap'
import { ledgerContract } from '../contracts/ledger-contract.js'
import { MemoryLedger } from '../doubles/memory-ledger.js'

t.test('MemoryLedger keeps the ledger contract', async (t) => {
  ledgerContract(t, {
    make: async () => new MemoryLedger({ settleWaitsMs: [5, 10, 20] }),
    eventsOf: async (ledger, uploadId) => (ledger as MemoryLedger).eventsOf(uploadId),
    eventsOfWorkspace: async (ledger, workspaceId) => (ledger as MemoryLedger).eventsOfWorkspace(workspaceId),
    // One process: the second writer is the same store, reached by interleaved calls.
    secondWriter: async (ledger) => ledger,
    leaveStuckClaim: async (ledger, uploadId, from, to, ageMs) =>
      (ledger as MemoryLedger).leaveStuckClaim(uploadId, from, { status: to }, ageMs),
    applyLate: (ledger, uploadId, from, changes) => (ledger as MemoryLedger).applyClaimed(uploadId, from, changes),
  })
})

import t from 'tap'
import { attachmentContract } from '../contracts/attachment-contract.js'
import { MemoryAttachmentStore } from '../doubles/memory-attachments.js'

attachmentContract(t, new MemoryAttachmentStore())

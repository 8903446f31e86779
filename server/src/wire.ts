/**
 * The API's wire types, derived from the route schemas, for clients (the web client imports these as types only;
 * nothing here runs in the browser).
 */
import type { Static } from 'typebox'
import type { ErrorBody } from './errors.js'
import type { UploadInstructions } from './uploads/instructions.js'
import type { UploadView } from './uploads/record.js'
import type {
  CreateUploadBody,
  DownloadSchema,
  ListQuerySchema,
  SignedPartsSchema,
  UploadedPartsSchema,
  UploadListSchema,
} from './routes/uploads/schemas.js'

export type { CreateUploadBody, ErrorBody, UploadInstructions, UploadView }
export type UploadList = Static<typeof UploadListSchema>
export type ListQuery = Partial<Static<typeof ListQuerySchema>>
export type SignedParts = Static<typeof SignedPartsSchema>
export type UploadedParts = Static<typeof UploadedPartsSchema>
export type Download = Static<typeof DownloadSchema>

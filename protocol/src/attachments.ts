/**
 * Attachments: the app's backend tells Hoist which of its records use an upload, by a reference of its choosing
 * (e.g. `walkthroughs/<id>/steps/<id>/blocks/<id>`), so that cleanup never deletes a file the app still uses.
 */
import { Type, type Static } from 'typebox'

/** URL-path characters (RFC 3986 pchar and `/`): readable in logs and URLs, never a query operator. */
export const REFERENCE_PATTERN = "^[A-Za-z0-9._~:/@!$&'()*+,;=%-]{1,512}$"

export const AttachmentBodySchema = Type.Object(
  {
    reference: Type.String({
      pattern: REFERENCE_PATTERN,
      description: 'Which record of the app uses the upload, e.g. walkthroughs/w1/steps/s2/blocks/b3',
    }),
  },
  { additionalProperties: false },
)
export type AttachmentBody = Static<typeof AttachmentBodySchema>

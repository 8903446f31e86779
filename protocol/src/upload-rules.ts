/**
 * Upload rules: what the app's token may add to the server's limits for its user — the `upload` claim. Rules only
 * narrow: a type must pass the server's allow-list and the token's list, a size both limits; metadata the token sets
 * is fixed (a presign may repeat a value, never change it; an absent one is filled in) and marked in every view and
 * event (`fixedMetadata`), so a webhook receiver can trust those values came from the app, not the browser. A
 * visibility the token sets is fixed the same way: `"private"` keeps every upload of its user private.
 */
import { Type, type Static } from 'typebox'
import { MetadataSchema } from './uploads.js'

/** `type/subtype` as the API compares types (lower case, no parameters), or `type/*` for every subtype. */
export const CONTENT_TYPE_RULE_PATTERN = '^[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\\*)$'

export const UploadRulesSchema = Type.Object(
  {
    contentTypes: Type.Optional(
      Type.Array(Type.String({ maxLength: 100, pattern: CONTENT_TYPE_RULE_PATTERN }), {
        minItems: 1,
        maxItems: 32,
        description: 'Types this token may upload, exact (`application/pdf`) or a whole kind (`image/*`)',
      }),
    ),
    maxSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Largest file in bytes' }),
    ),
    metadata: Type.Optional(MetadataSchema),
    visibility: Type.Optional(
      Type.Union([Type.Literal('public'), Type.Literal('private')], {
        description:
          "The only visibility this token's uploads may have: a presign asking for the other is refused, one that says nothing gets it",
      }),
    ),
  },
  { additionalProperties: false, $id: 'UploadRules' },
)
export type UploadRules = Static<typeof UploadRulesSchema>

/** Whether `contentType` (an essence) is one the rule list names, exactly or by its `type/*`. */
export function contentTypeMatches(rules: readonly string[], contentType: string): boolean {
  const kind = contentType.split('/')[0]
  return rules.some((rule) => rule === contentType || rule === `${kind}/*`)
}

/** @hoist/protocol: the Hoist API's wire contract — schemas (TypeBox), their types, error codes and the part plan. */
export * from './errors.js'
export * from './ids.js'
export * from './part-plan.js'
export * from './events.js'
export * from './uploads.js'
export * from './upload-rules.js'
export * from './attachments.js'

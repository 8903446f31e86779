/** Upload ids are ULIDs: unique, and sorting by id sorts by creation time (list cursors rely on it). */
export const UPLOAD_ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$'
/** Workspace ids (the token's `workspace` claim) become key segments, so they must be this plain. */
export const WORKSPACE_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'

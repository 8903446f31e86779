/** Who is asking: taken from verified JWT claims only, never from a request body. */
export interface Principal {
  userId: string
  workspaceId: string
}

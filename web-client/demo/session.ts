/**
 * Where the demo gets its bearer token. In dev (`npm run dev`) the Vite server mints one for the dev workspace;
 * a production build has no such route and no secret: the page asks for a token your app issued.
 */
const STORAGE_KEY = 'hoist-demo-token'

interface CachedToken {
  token: string
  expiresAt: number
}

let cached: CachedToken | undefined

function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number }
    return (payload.exp ?? 0) * 1000
  } catch {
    return 0
  }
}

export function describeSession(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: string
      workspace?: string
    }
    return `Workspace “${payload.workspace}” · signed in as ${payload.sub}`
  } catch {
    return 'Signed in'
  }
}

export async function getToken(): Promise<string> {
  if (cached && cached.expiresAt - Date.now() > 60_000) return cached.token
  let token: string | null
  if (import.meta.env.DEV) {
    const response = await fetch('/__hoist/dev-token', { cache: 'no-store' })
    if (!response.ok) throw new Error(`dev token: ${await response.text()}`)
    token = ((await response.json()) as { token: string }).token
  } else {
    token = sessionStorage.getItem(STORAGE_KEY)
    if (!token) throw new Error('Sign in with an access token first')
  }
  cached = { token, expiresAt: expiryOf(token) }
  return token
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token)
  cached = undefined
}

export function needsTokenForm(): boolean {
  return !import.meta.env.DEV && !sessionStorage.getItem(STORAGE_KEY)
}

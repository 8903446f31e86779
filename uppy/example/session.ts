/**
 * Where the example gets its API URL and token. Your app has its own session: `getToken` returns its current
 * bearer token (it is called before every request, so it may refresh). Here: `#token=<jwt>` in the page's URL.
 */
export const apiUrl: string = import.meta.env.VITE_HOIST_API_URL ?? window.location.origin

const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token')
if (fromHash) sessionStorage.setItem('hoist-example-token', fromHash)

export function getToken(): string {
  const token = sessionStorage.getItem('hoist-example-token')
  if (!token) throw new Error('Open this page with #token=<a Hoist token>')
  return token
}

/**
 * A test step that must end within `ms`: a step that hangs fails its test at once, named, instead of holding the file
 * until tap's 600 s limit — which names nothing and fails every test after it as well.
 */
export async function within<T>(ms: number, step: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: not done within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}

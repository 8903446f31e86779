/**
 * A video's poster frame as a PNG, for the image worker to make variants of like any image (control 42a): `ffmpeg`
 * from PATH (or FFMPEG_PATH) reads the video from a presigned GET URL — ranged reads, never the whole file — and writes
 * one frame. Bounded: one frame decoded, one thread, the demuxer fixed by the upload's verified type and only
 * HTTP(S) allowed as a protocol (a file cannot make ffmpeg follow a playlist to a local file or another host), an
 * address-space ceiling (`ulimit -v`), and killed when the time budget runs out. No ffmpeg: no poster, no error.
 */
import { spawn } from 'node:child_process'
import { ImageRejected } from './make-variants.js'

export interface VideoPosterOptions {
  ffmpegPath: string
  /** Ceiling of ffmpeg's address space. */
  memoryBytes: number
  timeoutMs: number
}

/** The demuxer for each video type confirm verified. */
const DEMUXERS: Record<string, string> = {
  'video/mp4': 'mov',
  'video/quicktime': 'mov',
  'video/webm': 'matroska',
}

/** The shell's exit code when FFMPEG_PATH names no program: no ffmpeg, no poster. */
const NO_FFMPEG = 200

/** Past a fade-in from black, when the video is that long. */
const POSTER_SECONDS = 1

/** The PNG of the poster frame; undefined when there is no ffmpeg to make one. */
export async function videoPosterFrame(
  url: string,
  contentType: string,
  options: VideoPosterOptions,
): Promise<Buffer | undefined> {
  const deadline = Date.now() + options.timeoutMs
  const frame = await grab(url, contentType, POSTER_SECONDS, options, deadline)
  // Shorter than that: its first frame.
  return frame?.length === 0 ? nonEmpty(await grab(url, contentType, 0, options, deadline)) : frame
}

function nonEmpty(frame: Buffer | undefined): Buffer | undefined {
  if (frame?.length === 0) throw new ImageRejected('ffmpeg found no video frame in the file')
  return frame
}

function grab(
  url: string,
  contentType: string,
  seconds: number,
  options: VideoPosterOptions,
  deadline: number,
): Promise<Buffer | undefined> {
  const demuxer = DEMUXERS[contentType]
  if (!demuxer) return Promise.resolve(undefined)
  const args = [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', '1'],
    ...['-protocol_whitelist', 'http,https,tcp,tls', '-f', demuxer, '-ss', String(seconds), '-i', url],
    ...['-map', '0:v:0', '-frames:v', '1', '-an', '-sn', '-dn', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
  ]
  const kib = Math.floor(options.memoryBytes / 1024)
  return new Promise((resolve, reject) => {
    // `ulimit -v` in the shell that then becomes ffmpeg: its whole address space has the ceiling.
    const script = `command -v "$0" >/dev/null || exit ${NO_FFMPEG}; ulimit -v ${kib} && exec "$0" "$@"`
    const child = spawn('sh', ['-c', script, options.ffmpegPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-1000)
    })
    let timedOut = false
    const timer = setTimeout(
      () => {
        timedOut = true
        child.kill('SIGKILL')
      },
      Math.max(0, deadline - Date.now()),
    )
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === NO_FFMPEG) return resolve(undefined)
      if (timedOut)
        return reject(
          new ImageRejected(`ffmpeg took longer than ${options.timeoutMs / 1000} s (IMAGE_TIMEOUT_SECONDS)`),
        )
      if (code === 0) return resolve(Buffer.concat(chunks))
      const message = stderr.trim().split('\n').slice(-3).join('; ')
      // The bucket, not the file: the job is retried.
      if (/Connection refused|Server returned 5|Input\/output error|timed out/i.test(message))
        return reject(new Error(`ffmpeg could not read the video: ${message}`))
      reject(new ImageRejected(`the video could not be decoded (${message || `ffmpeg exit ${code}`})`))
    })
  })
}

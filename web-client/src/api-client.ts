import type {
  CreateUploadBody,
  Download,
  DownloadQuery,
  EventList,
  EventListQuery,
  MultipartProgress,
  SignedParts,
  UploadInstructions,
  UploadList,
  UploadListQuery,
  UploadView,
} from '@hoist/protocol'
import { errorFromResponse, HoistUploadError } from './errors.js'

export interface ApiClientOptions {
  /** Base URL of the Hoist API, e.g. https://api.example.com */
  apiUrl: string
  /** Returns a current bearer token; called before every request, so it may refresh. */
  getToken: () => string | Promise<string>
}

/** The Hoist API's /v1/uploads routes, with errors turned into HoistUploadError. */
export class HoistApi {
  private readonly base: string

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '')
  }

  createUpload(body: CreateUploadBody, signal?: AbortSignal): Promise<UploadInstructions> {
    return this.request('POST', '/v1/uploads', body, signal)
  }

  confirm(id: string, signal?: AbortSignal): Promise<UploadView> {
    return this.request('POST', `${this.path(id)}/confirm`, undefined, signal)
  }

  get(id: string): Promise<UploadView> {
    return this.request('GET', this.path(id))
  }

  list(query: Partial<UploadListQuery> = {}): Promise<UploadList> {
    const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]))
    return this.request('GET', `/v1/uploads${search.size > 0 ? `?${search}` : ''}`)
  }

  async remove(id: string): Promise<void> {
    await this.request('DELETE', this.path(id))
  }

  /** A short-lived presigned GET of the file, or of a variant (`{ width, format }`): how a private upload is shown. */
  download(id: string, query: DownloadQuery = {}): Promise<Download> {
    const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]))
    return this.request('GET', `${this.path(id)}/download${search.size > 0 ? `?${search}` : ''}`)
  }

  signParts(id: string, partNumbers: number[], signal?: AbortSignal): Promise<SignedParts> {
    return this.request('POST', `${this.path(id)}/parts`, { partNumbers }, signal)
  }

  /** The workspace's upload events after `after`, oldest first (GET /v1/events). */
  events(query: Partial<EventListQuery> = {}): Promise<EventList> {
    const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)]))
    return this.request('GET', `/v1/events${search.size > 0 ? `?${search}` : ''}`)
  }

  /** Everything a resume needs: the part plan and the parts already in the bucket. */
  multipartProgress(id: string, signal?: AbortSignal): Promise<MultipartProgress> {
    return this.request('GET', `${this.path(id)}/parts`, undefined, signal)
  }

  private path(id: string): string {
    return `/v1/uploads/${encodeURIComponent(id)}`
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.options.getToken()}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      if (signal?.aborted) throw error
      throw new HoistUploadError('NETWORK_ERROR', `Cannot reach the upload API (${(error as Error).message})`)
    }
    if (response.status === 204) return undefined as T
    const text = await response.text()
    if (!response.ok) throw errorFromResponse(response.status, text)
    return JSON.parse(text) as T
  }
}

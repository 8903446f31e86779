import { HoistUploadError, UploadCancelledError, type Uploader, type UploadView } from '../src/index.js'
import { element, formatBytes } from './format.js'

export type RowState = 'uploading' | 'done' | 'failed' | 'cancelled'

/** One file's row: name, size, progress bar, status, and its Cancel / Retry buttons. */
export class UploadRow {
  readonly element: HTMLLIElement
  private readonly progress: HTMLProgressElement
  private readonly status: HTMLSpanElement
  private readonly cancelButton: HTMLButtonElement
  private readonly retryButton: HTMLButtonElement
  private controller: AbortController | undefined

  constructor(
    private readonly file: File,
    private readonly uploader: Uploader,
    private readonly announce: (message: string) => void,
    private readonly onConfirmed: (record: UploadView) => void,
  ) {
    this.element = element('li', { class: 'upload-row', 'data-name': file.name })
    const name = element('span', { class: 'name' }, `${file.name} · ${formatBytes(file.size)}`)
    this.progress = element('progress', { max: '100', value: '0', 'aria-label': `Upload progress of ${file.name}` })
    this.status = element('span', { class: 'status', role: 'status' })
    this.cancelButton = element('button', { type: 'button', 'aria-label': `Cancel upload of ${file.name}` }, 'Cancel')
    this.retryButton = element(
      'button',
      { type: 'button', 'aria-label': `Retry upload of ${file.name}`, hidden: '' },
      'Retry',
    )
    const actions = element('span', { class: 'actions' })
    actions.append(this.cancelButton, this.retryButton)
    this.element.append(name, actions, this.progress, this.status)
    this.cancelButton.addEventListener('click', () => this.controller?.abort())
    this.retryButton.addEventListener('click', () => void this.start())
  }

  async start(): Promise<void> {
    this.controller = new AbortController()
    this.setState('uploading', 'Uploading…')
    this.progress.value = 0
    this.cancelButton.hidden = false
    this.retryButton.hidden = true
    try {
      const record = await this.uploader.upload(this.file, {
        signal: this.controller.signal,
        onProgress: ({ fraction }) => {
          this.progress.value = Math.round(fraction * 1000) / 10
          this.status.textContent = `Uploading… ${Math.floor(fraction * 100)}%`
        },
      })
      this.progress.value = 100
      this.setState('done', 'Uploaded')
      this.cancelButton.hidden = true
      this.announce(`${this.file.name} uploaded`)
      this.onConfirmed(record)
    } catch (error) {
      this.cancelButton.hidden = true
      if (error instanceof UploadCancelledError) {
        this.setState('cancelled', 'Cancelled')
        this.retryButton.hidden = false
        this.announce(`${this.file.name}: upload cancelled`)
        return
      }
      const message = describe(error)
      this.setState('failed', message)
      // Retrying cannot fix a refused type or size; it can fix a dropped connection.
      this.retryButton.hidden = error instanceof HoistUploadError && isFinal(error)
      this.announce(`${this.file.name}: ${message}`)
    }
  }

  private setState(state: RowState, text: string): void {
    this.element.dataset.state = state
    this.status.textContent = text
  }
}

function isFinal(error: HoistUploadError): boolean {
  return ['CONTENT_TYPE_NOT_ALLOWED', 'FILE_TOO_LARGE', 'QUOTA_EXCEEDED', 'UPLOAD_REJECTED'].includes(error.code)
}

function describe(error: unknown): string {
  if (!(error instanceof HoistUploadError)) return `Upload failed: ${(error as Error).message}`
  switch (error.code) {
    case 'CONTENT_TYPE_NOT_ALLOWED':
      return `Not accepted: ${error.message}`
    case 'FILE_TOO_LARGE':
      return `Too large: ${error.message}`
    case 'QUOTA_EXCEEDED':
      return `No space left: ${error.message}`
    case 'NETWORK_ERROR':
      return `Connection lost: ${error.message}. Retry when you are back online.`
    default:
      return error.message
  }
}

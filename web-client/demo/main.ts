import { createUploader } from '../src/index.js'
import { EventFeed } from './event-feed.js'
import { Gallery } from './gallery.js'
import { describeSession, getToken, needsTokenForm, rememberToken } from './session.js'
import { UploadRow } from './upload-row.js'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

const apiUrl = import.meta.env.VITE_HOIST_API_URL ?? window.location.origin
const uploader = createUploader({ apiUrl, getToken })
const announcer = $<HTMLParagraphElement>('announcer')
const announce = (message: string): void => {
  announcer.textContent = message
}
const gallery = new Gallery($('gallery'), $('gallery-empty'), uploader.api, announce)
const events = new EventFeed($('events'), $('events-empty'), uploader.api)
const uploadList = $<HTMLUListElement>('upload-list')
const fileInput = $<HTMLInputElement>('file-input')
const dropzone = $<HTMLDivElement>('dropzone')

function uploadAll(files: Iterable<File>): void {
  for (const file of files) {
    const row = new UploadRow(file, uploader, announce, () => {
      showInterrupted()
      void gallery.refresh()
    })
    uploadList.prepend(row.element)
    void row.start()
  }
}

fileInput.addEventListener('change', () => {
  uploadAll(Array.from(fileInput.files ?? []))
  fileInput.value = ''
})
$('choose-button').addEventListener('click', () => fileInput.click())
dropzone.addEventListener('click', () => fileInput.click())
dropzone.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault()
    fileInput.click()
  }
})
dropzone.addEventListener('dragover', (event) => {
  event.preventDefault()
  dropzone.classList.add('dragging')
})
dropzone.addEventListener('dragleave', () => dropzone.classList.remove('dragging'))
dropzone.addEventListener('drop', (event) => {
  event.preventDefault()
  dropzone.classList.remove('dragging')
  uploadAll(Array.from(event.dataTransfer?.files ?? []))
})
$('refresh-button').addEventListener('click', () => void gallery.refresh())

/** Lists multipart uploads the page was doing when it was closed or reloaded (the uploader remembers them). */
function showInterrupted(): void {
  const names = uploader.resumeStore.list().map(({ entry }) => entry.filename)
  const list = $<HTMLUListElement>('interrupted-list')
  list.replaceChildren(...names.map((name) => Object.assign(document.createElement('li'), { textContent: name })))
  $('interrupted').hidden = names.length === 0
}
showInterrupted()

async function startSession(): Promise<void> {
  try {
    $('session').textContent = describeSession(await getToken())
    await gallery.refresh()
    events.start()
  } catch (error) {
    $('session').textContent = (error as Error).message
  }
}

if (needsTokenForm()) {
  $('token-panel').hidden = false
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault()
    rememberToken($<HTMLInputElement>('token-input').value.trim())
    $('token-panel').hidden = true
    void startSession()
  })
} else {
  void startSession()
}

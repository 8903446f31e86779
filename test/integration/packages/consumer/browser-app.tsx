// Browser code written against the installed @hoist/react and @hoist/uppy: type-checked only.
import { createUploader, HoistProvider, HoistUploadError, useUpload, useUploads, type UploadView } from '@hoist/react'
import { HoistUpload, type HoistBody } from '@hoist/uppy'
import { pictureElement } from '@hoist/web-client/dom'
import Uppy, { type Meta } from '@uppy/core'

const uploader = createUploader({ apiUrl: 'https://uploads.example.com', getToken: () => 'token' })

function Avatar() {
  const { status, progress, error, record, upload, cancel, retry } = useUpload()
  const code = error instanceof HoistUploadError ? error.code : undefined
  return (
    <div data-status={status} data-code={code}>
      <input type="file" onChange={(event) => event.target.files?.[0] && void upload(event.target.files[0])} />
      <progress value={progress.fraction} />
      <button onClick={cancel}>Cancel</button>
      <button onClick={() => void retry()}>Retry</button>
      {record && <img src={record.url} alt="" />}
    </div>
  )
}

function Files() {
  const { items, add, cancel, remove } = useUploads()
  return (
    <ul>
      <input type="file" multiple onChange={(event) => add(event.target.files ?? [], { metadata: { step: 's1' } })} />
      {items.map((item) => (
        <li key={item.id} onClick={() => (item.status === 'uploading' ? cancel(item.id) : remove(item.id))}>
          {item.name} {item.progress.loaded}/{item.progress.total} {item.record?.id}
        </li>
      ))}
    </ul>
  )
}

export const app = (
  <HoistProvider uploader={uploader}>
    <Avatar />
    <Files />
  </HoistProvider>
)

const uppy = new Uppy<Meta, HoistBody>().use(HoistUpload, {
  apiUrl: 'https://uploads.example.com',
  getToken: async () => 'token',
  allowedMetaFields: ['step'],
  limit: 2,
})
uppy.on('upload-success', (_file, response) => {
  const confirmed: UploadView | undefined = response.body
  console.log(confirmed?.url, response.uploadURL)
})

// The DOM helpers come from their own entry point, typed with the DOM library.
export function thumbnail(record: UploadView): HTMLPictureElement {
  return pictureElement(record, { sizes: '240px' })
}

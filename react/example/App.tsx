import { useUpload, useUploads, type UploadItem } from '@hoist/react'

const ACCEPT = 'image/*,video/*'

function percent(fraction: number): number {
  return Math.round(fraction * 100)
}

function StatusText({ item }: { item: Pick<UploadItem, 'status' | 'error' | 'record'> }) {
  switch (item.status) {
    case 'idle':
      return null
    case 'uploading':
      return <span role="status">Uploading…</span>
    case 'confirmed':
      return (
        <span role="status">
          Uploaded: <a href={item.record?.url}>{item.record?.url}</a>
        </span>
      )
    case 'quarantined':
      return <span role="status">Uploaded: being scanned for malware</span>
    case 'cancelled':
      return <span role="status">Cancelled</span>
    case 'error':
      return <span role="alert">{item.error?.message}</span>
  }
}

/** useUploads: several files, each with progress, cancel and retry. */
function Gallery() {
  const { items, add, cancel, retry, remove } = useUploads()
  return (
    <section aria-labelledby="gallery-title">
      <h2 id="gallery-title">Files</h2>
      <input
        type="file"
        multiple
        accept={ACCEPT}
        aria-label="Choose files"
        onChange={(event) => {
          add(event.target.files ?? [], { metadata: { source: 'react-example' } })
          event.target.value = ''
        }}
      />
      <ul>
        {items.map((item) => (
          <li key={item.id} className="upload" data-name={item.name} data-status={item.status}>
            <span>{item.name}</span>{' '}
            <progress max={100} value={percent(item.progress.fraction)} aria-label={`${item.name} progress`} />{' '}
            <StatusText item={item} />{' '}
            {item.status === 'uploading' && (
              <button type="button" onClick={() => cancel(item.id)}>
                Cancel {item.name}
              </button>
            )}
            {(item.status === 'cancelled' || item.status === 'error') && (
              <button type="button" onClick={() => retry(item.id)}>
                Retry {item.name}
              </button>
            )}
            {item.status !== 'uploading' && (
              <button type="button" onClick={() => remove(item.id)}>
                Remove {item.name}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}

/** useUpload: one file at a time (an avatar, say). */
function Avatar() {
  const avatar = useUpload()
  return (
    <section aria-labelledby="avatar-title" className="avatar" data-status={avatar.status}>
      <h2 id="avatar-title">Avatar</h2>
      <input
        type="file"
        accept="image/*"
        aria-label="Choose an avatar"
        onChange={(event) => {
          const file = event.target.files?.[0]
          if (file) void avatar.upload(file, { metadata: { role: 'avatar' } })
        }}
      />
      <progress max={100} value={percent(avatar.progress.fraction)} aria-label="Avatar progress" />
      <StatusText item={avatar} />
      {avatar.status === 'confirmed' && <img src={avatar.record?.url} alt="Your avatar" width={64} />}
    </section>
  )
}

export function App({ reactVersion }: { reactVersion: string }) {
  return (
    <main>
      <h1>
        Uploads with @hoist/react <small data-react-version={reactVersion}>(React {reactVersion})</small>
      </h1>
      <Avatar />
      <Gallery />
    </main>
  )
}

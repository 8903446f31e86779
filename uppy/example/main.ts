import { HoistUpload, type HoistBody } from '@hoist/uppy'
import Uppy, { type Meta } from '@uppy/core'
import Dashboard from '@uppy/dashboard'
import GoldenRetriever from '@uppy/golden-retriever'
import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import { apiUrl, getToken } from './session.js'

const uppy = new Uppy<Meta, HoistBody>()
  .use(Dashboard, { inline: true, target: '#uppy', proudlyDisplayPoweredByUppy: false, height: 420 })
  .use(HoistUpload, { apiUrl, getToken, allowedMetaFields: ['source'] })
  // Restores the file list after a reload: with the bytes of files up to 10 MiB, as "ghosts" to pick again above.
  .use(GoldenRetriever)
// Global meta goes to every file; allowedMetaFields above makes it the upload's Hoist metadata.
uppy.setMeta({ source: 'uppy-example' })

// `response.body` is the confirmed Hoist record; `uploadURL` its permanent URL.
uppy.on('upload-success', (file, response) => {
  const item = document.createElement('li')
  item.dataset.name = file?.name ?? ''
  const link = Object.assign(document.createElement('a'), {
    href: response.uploadURL ?? '',
    textContent: `${response.body?.filename} (${response.body?.size} bytes, ${response.body?.strategy})`,
  })
  item.append(link)
  document.getElementById('confirmed')!.append(item)
})

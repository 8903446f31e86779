import { createUploader, HoistProvider } from '@hoist/react'
import { StrictMode, version } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { apiUrl, getToken } from './session.js'

// Created once, outside render: every hook below the provider shares it.
const uploader = createUploader({ apiUrl, getToken })

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <HoistProvider uploader={uploader}>
      <App reactVersion={version} />
    </HoistProvider>
  </StrictMode>,
)

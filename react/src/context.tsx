import type { Uploader } from '@hoist/web-client'
import { createContext, useContext, type ReactNode } from 'react'

const UploaderContext = createContext<Uploader | undefined>(undefined)

export interface HoistProviderProps {
  /** From `createUploader({ apiUrl, getToken })`: create it once (outside render, or in a `useMemo`/`useState`). */
  uploader: Uploader
  children?: ReactNode
}

/** Gives every `useUpload()` and `useUploads()` below it this uploader. */
export function HoistProvider({ uploader, children }: HoistProviderProps): ReactNode {
  return <UploaderContext.Provider value={uploader}>{children}</UploaderContext.Provider>
}

/** The uploader passed in, else the nearest HoistProvider's. */
export function useUploader(uploader?: Uploader): Uploader {
  const provided = useContext(UploaderContext)
  const chosen = uploader ?? provided
  if (!chosen) throw new Error('@hoist/react: pass an uploader, or render inside <HoistProvider uploader={…}>')
  return chosen
}

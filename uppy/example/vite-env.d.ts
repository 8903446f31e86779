/// <reference types="vite/client" />
interface ImportMetaEnv {
  readonly VITE_HOIST_API_URL?: string
}

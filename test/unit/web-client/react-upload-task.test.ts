/** The React hooks' upload task reports what confirm answered: a file held for the malware scan is not "confirmed". */
import t from 'tap'
import type { Uploader, UploadView } from '../../../web-client/src/index.js'
import { UploadTask, type UploadState } from '../../../react/src/upload-task.js'

function taskAnswered(status: UploadView['status']): Promise<UploadState[]> {
  const uploader = { upload: async () => ({ id: 'u1', status }) as UploadView } as unknown as Uploader
  const states: UploadState[] = []
  const task = new UploadTask(uploader, new Blob(['abc']), undefined, (state) => states.push(state))
  return task.done.then(() => states)
}

t.test('confirm answered confirmed: the task is confirmed', async (t) => {
  const states = await taskAnswered('confirmed')
  t.equal(states.at(-1)?.status, 'confirmed')
})

t.test('confirm answered quarantined (SCAN=clamav): the task says quarantined, not confirmed', async (t) => {
  const states = await taskAnswered('quarantined')
  t.equal(states.at(-1)?.status, 'quarantined')
  t.equal(states.at(-1)?.record?.status, 'quarantined')
  t.equal(states.at(-1)?.progress.fraction, 1, 'the bytes are all there')
})

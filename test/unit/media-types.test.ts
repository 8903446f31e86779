import t from 'tap'
import { MEDIA_TYPES, mediaTypeOf } from '../../server/src/uploads/media-types.js'
import { fileOf } from '../helpers/fixtures.js'

t.test('each allowed type recognises its own signature and refuses the others', async (t) => {
  for (const type of MEDIA_TYPES) {
    t.ok(type.matches(fileOf(type.contentType, 256)), `${type.contentType} matches itself`)
    for (const other of MEDIA_TYPES) {
      if (other === type) continue
      t.notOk(type.matches(fileOf(other.contentType, 256)), `${type.contentType} refuses ${other.contentType}`)
    }
    t.notOk(type.matches(fileOf('text/html', 256)), `${type.contentType} refuses HTML`)
    t.notOk(type.matches(new Uint8Array()), `${type.contentType} refuses an empty file`)
  }
})

t.test('lookup ignores case and parameters; unknown types are undefined', async (t) => {
  t.equal(mediaTypeOf('Image/PNG; charset=binary')?.extension, 'png')
  t.equal(mediaTypeOf('video/quicktime')?.extension, 'mov')
  t.equal(mediaTypeOf('image/svg+xml'), undefined)
  t.equal(mediaTypeOf('text/html'), undefined)
})

import fc from 'fast-check'
import t from 'tap'
import { UUID } from 'uuidv7'
import { canonicalUuid, newId } from '../../src/kernel/ids.ts'

t.test('canonicalUuid writes any 16 bytes as the library does', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      return canonicalUuid(bytes) === UUID.ofInner(bytes).toString()
    }),
  )
  t.pass('every byte string agreed')
  t.end()
})

t.test('newId: version 7, variant 10, increasing in the order made', (t) => {
  const ids = Array.from({ length: 5_000 }, () => newId())
  const malformed = ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))
  t.same(malformed, [], 'every id is a canonical UUIDv7')
  t.ok(ids.every((id, i) => i === 0 || (ids[i - 1] as string) < id), 'each id sorts after the one before it')
  t.equal(new Set(ids).size, ids.length, 'no id repeats')
  t.end()
})

/** The contact recorder (src/punches/device-contacts.ts): at most one write per device per interval, unregistered serials written nowhere, a failed write forgotten. */
import t from 'tap'
import { DeviceContactRecorder, type ContactKind } from '../../src/punches/device-contacts.ts'

t.test('one write per device per minute; unregistered serials and failures leave nothing behind', async (t) => {
  let now = 1_000_000
  const written: Array<{ serial: string; atMs: number; kind: ContactKind }> = []
  const errors: string[] = []
  let failNext = false
  const recorder = new DeviceContactRecorder(
    {
      deviceOf: async (serial) => (serial.startsWith('ZK') ? { id: `id-${serial}` } : undefined),
      record: async (c) => {
        if (failNext) {
          failNext = false
          throw new Error('database gone')
        }
        written.push({ serial: c.serial, atMs: c.atMs, kind: c.kind })
      },
    },
    () => now,
    (_err, serial) => errors.push(serial),
  )
  recorder.heard('ZK-1', 'adms_handshake')
  recorder.heard('ZK-1', 'adms_poll')
  recorder.heard('ZK-2', 'adms_poll')
  recorder.heard('NOBODY', 'adms_poll')
  await recorder.idle()
  t.same(written, [{ serial: 'ZK-1', atMs: 1_000_000, kind: 'adms_handshake' }, { serial: 'ZK-2', atMs: 1_000_000, kind: 'adms_poll' }], 'the first contact of each registered device')

  now += 59_999
  recorder.heard('ZK-1', 'adms_poll')
  now += 1
  recorder.heard('ZK-2', 'frame')
  await recorder.idle()
  t.same(written.slice(2), [{ serial: 'ZK-2', atMs: 1_060_000, kind: 'frame' }], 'a minute later, written again')

  now += 60_000
  failNext = true
  recorder.heard('ZK-1', 'frame')
  await recorder.idle()
  t.same(errors, ['ZK-1'], 'a failed write reported')
  recorder.heard('ZK-1', 'frame')
  await recorder.idle()
  t.match(written.at(-1), { serial: 'ZK-1', kind: 'frame' }, 'and the next contact tries again at once')
})

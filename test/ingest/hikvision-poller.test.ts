/**
 * The Hikvision AcsEvent poller (issue 12) end to end: a real service, a simulated Hikvision terminal serving its event
 * log behind Digest authentication over real HTTP, and the poller searching it. Person events become punches, once
 * each; door events are counted and not stored; a later search asks only for what follows the last serialNo seen; a
 * restarted poller starts from the store and stores nothing twice; a wrong password stores nothing, is logged once and
 * leaves the device shown as not connected.
 */
import t from 'tap'
import { Counter, Registry } from 'prom-client'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { HikvisionSearchDevice, type HikLogEvent } from '../../simulators/hikvision.ts'
import { acsEventCond, isapiTime, registeredHikvisionPollDevices, startHikvisionPollers, type HikvisionPollerOptions, type HikvisionPollerStatus } from '../../src/ingest/hikvision-poller.ts'
import { startTestServer } from '../helpers/server.ts'

void t.test('the search condition and its times', async (t) => {
  t.equal(isapiTime(Date.UTC(2026, 10, 2, 23, 31, 12, 500), 'Asia/Shanghai'), '2026-11-03T07:31:12+08:00', "the project's wall time with its offset")
  t.equal(isapiTime(Date.UTC(2026, 6, 1, 12, 0, 0), 'America/New_York'), '2026-07-01T08:00:00-04:00', 'a negative offset, in summer time')
  t.equal(isapiTime(Date.UTC(2026, 0, 1, 0, 0, 0), 'Asia/Kolkata'), '2026-01-01T05:30:00+05:30', 'half an hour')
  t.same(JSON.parse(acsEventCond({ searchId: 'id', position: 30, maxResults: 30, beginSerialNo: 1235, startTime: 'a', endTime: 'b' })), {
    AcsEventCond: { searchID: 'id', searchResultPosition: 30, maxResults: 30, major: 0, minor: 0, startTime: 'a', endTime: 'b', beginSerialNo: 1235, picEnable: false, timeReverseOrder: false },
  })
})

void t.test('Hikvision AcsEvent poller against a simulated terminal, through the real service', async (t) => {
  const device = new HikvisionSearchDevice({ serial: 'HK-0001', password: 'secret' })
  const locked = new HikvisionSearchDevice({ serial: 'HK-0002', password: 'secret' })
  await Promise.all([device.listen(), locked.listen()])
  t.teardown(() => Promise.all([device.close(), locked.close()]))

  const server = await startTestServer(t)
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'HIKPOLL-1', workers: 4, teams: 1, seed: 7171 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'HK-0001', model: 'hikvision-isapi', settings: { connect: { url: device.url, username: 'admin', passwordEnv: 'WL_HIK_HK01_PASSWORD', pollSeconds: 3600 } }, location: '东大门' },
      { serial: 'HK-0002', model: 'hikvision-isapi', settings: { connect: { url: locked.url, username: 'admin', passwordEnv: 'WL_HIK_HK02_PASSWORD', pollSeconds: 3600 } }, location: '西大门' },
      { serial: 'HK-0003', model: 'hikvision-isapi', settings: {}, location: '项目部' },
    ],
  })
  const workers = plan.workers.slice(0, 4)
  const count = () => services.punches.countPunches(site.projectId)

  const registry = new Registry()
  const ignored = new Counter({ name: 'hik_ignored_total', help: 'test', labelNames: ['family', 'table'], registers: [registry] })
  const ignoredTotal = async () => (await ignored.get()).values.reduce((sum, v) => sum + v.value, 0)
  const logs: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = []
  const log = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  }
  // What the service will ask the store: the highest record id of the device's punches and kept refusals.
  const lastSerialNo = async (serial: string): Promise<number | undefined> => {
    const rows = await services.db.all<{ recordId: string }>({
      text: `SELECT p.record_id AS "recordId" FROM punches p JOIN devices d ON d.id = p.device_id WHERE d.serial = ?
             UNION ALL SELECT r.record_id AS "recordId" FROM rejected_inputs r WHERE r.device_serial = ? AND r.record_id IS NOT NULL`,
      params: [serial, serial],
    })
    const numbers = rows.map((r) => Number(r.recordId)).filter((n) => Number.isSafeInteger(n))
    return numbers.length === 0 ? undefined : Math.max(...numbers)
  }
  const options = (overrides: Partial<HikvisionPollerOptions> = {}): HikvisionPollerOptions => ({
    inbox: services.inbox,
    lookups: services.lookups,
    listDevices: () => registeredHikvisionPollDevices(services.roster),
    env: { WL_HIK_HK01_PASSWORD: 'secret', WL_HIK_HK02_PASSWORD: 'not the password' },
    log,
    ignored,
    lastSerialNo,
    contacts: { heard: (serial, kind) => heard.add(`${serial} ${kind}`) },
    limits: { backoff_initial_ms: 50, backoff_max_ms: 400, unauthorized_retry_ms: 50 },
    ...overrides,
  })
  /** The contacts the pollers report (the device watch's; src/punches/device-contacts.ts). */
  const heard = new Set<string>()

  // 75 events over the last hours: every fifth a door unlocking (nobody verified), the rest faces passing.
  const start = Date.now() - 3 * 3_600_000
  let persons = 0
  const record = (i: number): HikLogEvent => {
    if (i % 5 === 4) return { employeeNo: null, atMs: start + i * 60_000, major: 5, minor: 21 }
    persons++
    return { employeeNo: workers[i % workers.length]!.deviceUserId, atMs: start + i * 60_000, major: 5, minor: 75, attendanceStatus: i % 2 === 0 ? 'checkIn' : 'checkOut' }
  }
  for (let i = 0; i < 75; i++) device.record(record(i))
  t.equal(persons, 60)

  const pollers = await startHikvisionPollers(options())
  t.teardown(() => pollers.close())
  const status = (serial: string): HikvisionPollerStatus | undefined => pollers.status().find((s) => s.serial === serial)
  const answered = () => device.searches.filter((s) => s.status === 200).map((s) => s.cond!)

  t.same(
    pollers.status().map((s) => s.serial),
    ['HK-0001', 'HK-0002'],
    'a poller for each device with connect settings; HK-0003 has none',
  )
  await pollers.pollNow()
  t.equal(await count(), 60, 'every person event stored')
  t.ok(heard.has('HK-0001 hikvision_search'), 'an answered search is a contact')
  t.equal(await ignoredTotal(), 15, 'the door events counted')
  const kept = await api.get<Array<{ deviceSerial: string | null }>>(`/api/rejected-inputs?projectId=${site.projectId}`)
  t.notOk(kept.some((r) => r.deviceSerial === 'HK-0001'), 'and not kept as refusals')
  const first = answered().slice(0, 3)
  t.match(first, [
    { searchResultPosition: 0, maxResults: 30, beginSerialNo: 1, major: 0, minor: 0 },
    { searchResultPosition: 30, beginSerialNo: 1 },
    { searchResultPosition: 60, beginSerialNo: 1 },
  ], 'the first search pages by position from the start of the log')
  t.equal(new Set(first.map((c) => c['searchID'])).size, 1, 'one searchID per search')
  t.match(first[0], { startTime: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/, endTime: /\+08:00$/ }, "a window in the project's zone")
  t.ok(device.searches.some((s) => s.status === 401), 'each request after a Digest challenge')
  t.match(status('HK-0001'), { connected: true, lastSerialNo: 75, failures: 0 })
  t.ok(status('HK-0001')?.lastEventAtMs)

  // Fresh events, the last of them a door: the next search asks only for what follows 75.
  for (let i = 75; i < 85; i++) device.record(record(i))
  const before = answered().length
  await pollers.pollNow('HK-0001')
  t.equal(await count(), 68, 'only the new person events added')
  t.match(answered().slice(before), [{ beginSerialNo: 76, searchResultPosition: 0 }], 'one page from beginSerialNo 76')
  t.equal(status('HK-0001')?.lastSerialNo, 85, 'the door event moves the serialNo on too')
  const after = answered().length
  await pollers.pollNow('HK-0001')
  t.match(answered().slice(after), [{ beginSerialNo: 86 }], 'nothing to read again: NO MATCH')
  t.equal(await count(), 68)

  // A restart: memory is gone, the store says where to start (84, the last punch; the door event 85 is read again).
  await pollers.close()
  t.equal(await lastSerialNo('HK-0001'), 84)
  const ignoredBefore = await ignoredTotal()
  const onlyHK01 = async () => (await registeredHikvisionPollDevices(services.roster)).filter((d) => d.serial === 'HK-0001')
  const restarted = await startHikvisionPollers(options({ listDevices: onlyHK01 }))
  t.teardown(() => restarted.close())
  const beforeRestart = answered().length
  await restarted.pollNow('HK-0001')
  t.match(answered().slice(beforeRestart), [{ beginSerialNo: 85 }], 'the restarted poller starts after the last serialNo stored')
  t.equal(await count(), 68, 'nothing stored twice')
  t.equal(await ignoredTotal(), ignoredBefore + 1, 'the trailing door event is counted once more, which is harmless')
  await restarted.close()

  // Firmware that ignores beginSerialNo (or a store that forgot): the whole log again, every record a duplicate.
  const duplicates = services.inbox.stats.duplicates
  const forgetful = await startHikvisionPollers(options({ listDevices: onlyHK01, lastSerialNo: () => Promise.resolve(undefined) }))
  t.teardown(() => forgetful.close())
  await forgetful.pollNow('HK-0001')
  t.equal(await count(), 68, 'the whole log read again stores nothing twice')
  t.equal(services.inbox.stats.duplicates, duplicates + 68, 'each punch recognised as sent before')
  await forgetful.close()

  // HK-0002 was given the wrong password throughout.
  locked.record({ employeeNo: workers[0]!.deviceUserId, atMs: start, major: 5, minor: 75 })
  const again = await startHikvisionPollers(options())
  t.teardown(() => again.close())
  for (let i = 0; i < 3; i++) await again.pollNow('HK-0002')
  t.ok(locked.searches.length >= 4 && locked.searches.every((s) => s.status === 401), 'every search refused')
  t.notOk(heard.has('HK-0002 hikvision_search'), 'a refused search is no contact')
  t.match(again.status().find((s) => s.serial === 'HK-0002'), { connected: false, lastEventAtMs: undefined, lastSerialNo: undefined })
  t.ok(again.status().find((s) => s.serial === 'HK-0002')!.failures >= 3)
  t.equal(logs.filter((l) => l.obj['code'] === 'hikvision_unauthorized' && l.obj['serial'] === 'HK-0002').length, 2, 'logged once per poller started, however often retried')
  t.notMatch(JSON.stringify(logs), /not the password|secret/, 'no password in the logs')
  t.equal(await count(), 68, 'nothing from a device whose login failed')
  await again.close()
})

void t.test('a device that answers with an error is searched again after a back-off, and no page is skipped', async (t) => {
  const device = new HikvisionSearchDevice({ serial: 'HK-0009', password: 'secret' })
  const wrongPath = new HikvisionSearchDevice({ serial: 'HK-0010', password: 'secret' })
  await Promise.all([device.listen(), wrongPath.listen()])
  t.teardown(() => Promise.all([device.close(), wrongPath.close()]))
  const server = await startTestServer(t)
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'HIKPOLL-2', workers: 2, teams: 1, seed: 7272 })
  const connect = (url: string, env: string) => ({ connect: { url, username: 'admin', passwordEnv: env, pollSeconds: 3600 } })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'HK-0009', model: 'hikvision-isapi', settings: connect(device.url, 'WL_HIK_HK09_PASSWORD'), location: '东大门' },
      { serial: 'HK-0010', model: 'hikvision-isapi', settings: connect(`${wrongPath.url}/broken`, 'WL_HIK_HK09_PASSWORD'), location: '西大门' },
    ],
  })
  const at = Date.now() - 3_600_000
  for (let i = 0; i < 40; i++) device.record({ employeeNo: plan.workers[i % 2]!.deviceUserId, atMs: at + i * 60_000, major: 5, minor: 75 })
  // The second page of the first search is refused once: the device is busy.
  let refused = 0
  device.busy = (cond) => cond['searchResultPosition'] === 30 && refused++ === 0
  const logs: Array<Record<string, unknown>> = []
  const pollers = await startHikvisionPollers({
    inbox: services.inbox,
    lookups: services.lookups,
    listDevices: () => registeredHikvisionPollDevices(services.roster),
    env: { WL_HIK_HK09_PASSWORD: 'secret' },
    log: { info: (obj) => logs.push(obj as Record<string, unknown>), warn: (obj) => logs.push(obj as Record<string, unknown>) },
    lastSerialNo: () => Promise.resolve(undefined),
    limits: { backoff_initial_ms: 20, backoff_max_ms: 80 },
  })
  t.teardown(() => pollers.close())
  const status = (serial: string) => pollers.status().find((s) => s.serial === serial)
  const count = () => services.punches.countPunches(site.projectId)

  const until = Date.now() + 60_000
  while ((await count()) < 40 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  t.equal(await count(), 40, 'every event stored in the end')
  t.same(
    device.searches.filter((s) => s.status !== 401).map((s) => [s.status, s.cond!['beginSerialNo'], s.cond!['searchResultPosition']]),
    [
      [200, 1, 0],
      [503, 1, 30],
      [200, 31, 0],
    ],
    'the first page committed, the second refused, and the next search starts after the first page',
  )
  t.ok(logs.some((l) => l['code'] === 'hikvision_search_failed' && /HTTP 503.*deviceBusy/.test(String(l['detail']))), "the device's ResponseStatus in the log")
  t.match(status('HK-0009'), { connected: true, lastSerialNo: 40, failures: 0 })

  while ((status('HK-0010')?.failures ?? 0) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  t.match(status('HK-0010'), { connected: false, lastSerialNo: undefined }, 'a wrong URL is a failure')
  t.ok(status('HK-0010')!.failures >= 3, 'tried again after a back-off, several times')
  t.ok(logs.some((l) => l['serial'] === 'HK-0010' && /HTTP 404.*notSupport/.test(String(l['detail']))))
})

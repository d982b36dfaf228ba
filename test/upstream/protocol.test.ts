/**
 * The signature and the encryption against fixed vectors. The vectors were computed once outside this code, with the
 * shell's own tools, and pinned here (so a change in our code cannot move both sides at once):
 *
 *   BASE='appid=330106202601010001&data={"dataList":[{"IDCardNumber":"330106198001010011"}]}&format=json&method=WorkerAttendance.Add&nonce=a1b2c3d4e5f60718293a4b5c6d7e8f90&timestamp=20261013073005&version=1.0&appsecret=Wl0Test5ecret0fThePlatform2026AB'
 *   printf '%s' "$BASE" | tr 'A-Z' 'a-z' | sha256sum          # lower-cased (national scheme)
 *   printf '%s' "$BASE" | sha256sum                           # as it is
 *   K=$(printf '%s' Wl0Test5ecret0fThePlatform2026AB | xxd -p -c 64); IV=$(printf '%s' Wl0Test5ecret0fT | xxd -p)
 *   printf '%s' 330106198001010011 | openssl enc -aes-256-cbc -K $K -iv $IV -base64 -A
 *   printf '%s' 6222020000000000001 | openssl enc -aes-256-cbc -K $K -iv $IV -base64 -A
 *   printf '%s' 330106198001010011 | openssl enc -aes-128-ecb -K $(printf '%s' 0123456789ABCDEF | xxd -p) | xxd -p -c 200
 *
 * The same recipe (AES-256-CBC keyed by the app secret, IV its first 16 bytes, PKCS#7, Base64) reproduces, byte for
 * byte, a ciphertext of an ID number published with its key in public docking code for the national platform.
 */
import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import {
  addData,
  asyncResultOf,
  decryptRecord,
  decryptValue,
  encryptRecord,
  encryptValue,
  formBody,
  instantOfTimestamp,
  nationalSettings,
  parseAnswer,
  requestParams,
  serialCodeOf,
  signOf,
  signatureBase,
  timestampOf,
  verifySign,
  type CipherSettings,
} from '../../src/upstream/protocol.ts'

const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'
const params = {
  appid: '330106202601010001',
  method: 'WorkerAttendance.Add',
  version: '1.0',
  format: 'json',
  timestamp: '20261013073005',
  nonce: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  data: '{"dataList":[{"IDCardNumber":"330106198001010011"}]}',
}
const cbc: CipherSettings = { key: SECRET, mode: 'cbc', encoding: 'base64' }

t.test('signature: sorted parameters, the secret appended, SHA-256', async (t) => {
  t.equal(
    signatureBase(params, SECRET, { lowercase: false }),
    'appid=330106202601010001&data={"dataList":[{"IDCardNumber":"330106198001010011"}]}&format=json&method=WorkerAttendance.Add&nonce=a1b2c3d4e5f60718293a4b5c6d7e8f90&timestamp=20261013073005&version=1.0&appsecret=Wl0Test5ecret0fThePlatform2026AB',
  )
  t.equal(signOf(params, SECRET, { lowercase: true }), 'abf6bbb527cbaf18636f484a237285b1e7e949cf1e36ef5d139859408b55ad5d', 'national: lower-cased')
  t.equal(signOf(params, SECRET, { lowercase: false }), 'c5898d185cd601fd3068fad44d5285067a73ebeba50945a6215d272312a15ed7', 'as it is')
  t.equal(signOf({ ...params, sign: 'whatever' }, SECRET, { lowercase: true }), 'abf6bbb527cbaf18636f484a237285b1e7e949cf1e36ef5d139859408b55ad5d', 'sign itself is not signed')

  const signed = { ...params, sign: 'abf6bbb527cbaf18636f484a237285b1e7e949cf1e36ef5d139859408b55ad5d' }
  t.ok(verifySign(signed, SECRET, { lowercase: true }))
  t.ok(verifySign({ ...signed, sign: signed.sign.toUpperCase() }, SECRET, { lowercase: true }), 'hex case does not matter')
  t.notOk(verifySign({ ...signed, nonce: 'other' }, SECRET, { lowercase: true }), 'a changed parameter breaks it')
  t.notOk(verifySign(signed, 'another-secret', { lowercase: true }), 'another secret breaks it')
  t.notOk(verifySign({ ...signed, sign: 'zz' }, SECRET, { lowercase: true }), 'not a hash')
  t.notOk(verifySign(params, SECRET, { lowercase: true }), 'no sign')
})

t.test('encryption: AES-256-CBC keyed by the secret (national), and ECB/hex where a province says so', async (t) => {
  t.equal(encryptValue('330106198001010011', cbc), 'zt7S9X3xorbkbsM+jqJu3IZzvhwjjs1y4dlWhGl7nIM=')
  t.equal(encryptValue('6222020000000000001', cbc), 'k6OSfeqFQU6iF/suL9XC42PvrPbaBMjiLyFQGRCpD38=')
  t.equal(decryptValue('zt7S9X3xorbkbsM+jqJu3IZzvhwjjs1y4dlWhGl7nIM=', cbc), '330106198001010011')
  const ecb: CipherSettings = { key: '0123456789ABCDEF', mode: 'ecb', encoding: 'hex' }
  t.equal(encryptValue('330106198001010011', ecb), '34df68f3dd2a6e2104fc947d44a9064833c67c39c991d3b01e44c6ea5c72172d')
  t.equal(decryptValue('34df68f3dd2a6e2104fc947d44a9064833c67c39c991d3b01e44c6ea5c72172d', ecb), '330106198001010011')
  t.throws(() => encryptValue('x', { ...cbc, key: 'short' }), /16, 24 or 32 bytes/)
  t.throws(() => encryptValue('x', { ...cbc, iv: 'short' }), /IV is 16 bytes/)
  t.throws(() => decryptValue('zt7S9X3xorbkbsM+jqJu3IZzvhwjjs1y4dlWhGl7nIM=', { ...cbc, key: 'Xl0Test5ecret0fThePlatform2026AB' }), 'a wrong key fails the padding')
  holds(
    t,
    'decrypt(encrypt(x)) = x',
    fc.property(fc.string({ maxLength: 40 }), fc.constantFrom<CipherSettings>(cbc, ecb, { ...cbc, iv: 'fedcba9876543210', encoding: 'hex' }), (s, c) => decryptValue(encryptValue(s, c), c) === s),
  )
})

t.test('records: only the listed fields are encrypted, and come back', async (t) => {
  const payload = {
    ProjectCode: 'P',
    TeamName: '木工班',
    IDCardType: '01',
    IDCardNumber: '330106198001010011',
    CheckTime: '2026-10-13 07:30:05',
    Direction: '01' as const,
    CheckChannel: 'GATE-01',
    DataResource: 0 as const,
  }
  const sent = encryptRecord('WorkerAttendance', payload, cbc)
  t.equal(sent.IDCardNumber, 'zt7S9X3xorbkbsM+jqJu3IZzvhwjjs1y4dlWhGl7nIM=')
  t.equal(sent.CheckChannel, 'GATE-01')
  t.same(decryptRecord('WorkerAttendance', sent, cbc), payload)
  t.same(JSON.parse(addData('WorkerAttendance', [payload], cbc)), { dataList: [sent] })
})

t.test('a request: public parameters, Beijing timestamp, signature', async (t) => {
  const settings = nationalSettings('http://127.0.0.1:1/open.api', '330106202601010001', SECRET)
  const p = requestParams(settings, { method: 'WorkerAttendance.Add', data: params.data, nowMs: Date.UTC(2026, 9, 12, 23, 30, 5), nonce: params.nonce })
  t.same(p, { ...params, sign: 'abf6bbb527cbaf18636f484a237285b1e7e949cf1e36ef5d139859408b55ad5d' }, 'the fixed vector, built from the clock')
  t.same(Object.fromEntries(new URLSearchParams(formBody(p))), p, 'the form body carries them all')
  t.equal(timestampOf(Date.UTC(2026, 11, 31, 16, 0, 0)), '20270101000000', 'Beijing midnight')
  t.equal(instantOfTimestamp('20270101000000'), Date.UTC(2026, 11, 31, 16, 0, 0))
  t.equal(instantOfTimestamp('20270230000000'), undefined, 'not a real time')
  t.equal(instantOfTimestamp('2027010100000'), undefined)
})

t.test('answers', async (t) => {
  const taken = parseAnswer('{"code":0,"message":"success","data":{"requestSerialCode":"workerattendance-add-2026101307-1-0001"}}')
  t.ok(taken)
  t.equal(serialCodeOf(taken!), 'workerattendance-add-2026101307-1-0001')
  t.equal(parseAnswer('{"code":"-2","message":"签名校验错误"}')?.code, -2, 'a code sent as text')
  t.equal(parseAnswer('<html>'), undefined)
  t.equal(parseAnswer('{"message":"x"}'), undefined)
  const done = parseAnswer('{"code":0,"data":{"status":"20","result":"1 of 2 refused","failList":[{"index":1,"reason":"IDCardNumber: not an ID number"}]}}')!
  t.same(asyncResultOf(done), { status: '20', result: '1 of 2 refused', failList: [{ index: 1, reason: 'IDCardNumber: not an ID number' }] })
  t.same(asyncResultOf(parseAnswer('{"code":0,"data":{"status":0}}')!), { status: '0', result: '', failList: [] })
  t.equal(asyncResultOf(parseAnswer('{"code":0,"data":{"status":"5"}}')!), undefined)
  t.equal(asyncResultOf(parseAnswer('{"code":-1,"data":null}')!), undefined)
})

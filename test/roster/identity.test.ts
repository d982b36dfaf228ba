import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { checkIdNumber, creditCodeCheckChar, idCheckChar, isCreditCode, maskCard, maskIdNumber, maskPhone } from '../../src/roster/identity.ts'

const TODAY = '2026-11-22'

t.test('GB 11643: a valid number yields birth date and gender', async (t) => {
  const r = checkIdNumber('11010519491231002X', TODAY)
  t.ok(r.ok)
  if (r.ok) t.same(r.facts, { idNumber: '11010519491231002X', birthDate: '1949-12-31', gender: 'female' })
  const lower = checkIdNumber('11010519491231002x', TODAY)
  t.ok(lower.ok, 'a lower-case x is read as X')
})

t.test('GB 11643: each problem is named', async (t) => {
  t.same(checkIdNumber('1101051949123100', TODAY), { ok: false, problem: 'length' })
  t.same(checkIdNumber('11010519491231002Y', TODAY), { ok: false, problem: 'characters' })
  t.same(checkIdNumber('91010519491231002X', TODAY), { ok: false, problem: 'region' })
  t.same(checkIdNumber('110105194902300021', TODAY), { ok: false, problem: 'birth_date' })
  t.same(checkIdNumber('110105203001010021', TODAY), { ok: false, problem: 'birth_date' }, 'born in the future')
  t.same(checkIdNumber('110105194912310021', TODAY), { ok: false, problem: 'check_digit' })
})

t.test('GB 11643: every single-digit typo is caught', async (t) => {
  holds(t, 'any one-digit change fails the check', 
    fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
      const first17 = '33010619900101123'
      const good = first17 + idCheckChar(first17)
      const digits = good.split('')
      digits[pos] = String((Number(digits[pos]) + delta) % 10)
      const typo = digits.join('')
      const r = checkIdNumber(typo, TODAY)
      return !r.ok
    }),
  )
})

t.test('GB 32100: credit codes', async (t) => {
  const body = '91330106MA2H0X0X0'
  const code = body + creditCodeCheckChar(body)!
  t.ok(isCreditCode(code))
  t.notOk(isCreditCode(body + (code.endsWith('0') ? '1' : '0')))
  t.notOk(isCreditCode('91330106MA2H0X0XI0'), 'I is not in the alphabet')
})

t.test('masks', async (t) => {
  t.equal(maskIdNumber('330106199001011234'), '330106********1234')
  t.equal(maskCard('6217000000000001234'), '****1234')
  t.equal(maskPhone('13812345678'), '138****5678')
})

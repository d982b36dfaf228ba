/** Plausible, checksum-valid identities for simulated sites: names, ID numbers, credit codes, bank cards. */
import { creditCodeCheckChar, idCheckChar } from '../src/roster/identity.ts'
import type { Rng } from './random.ts'

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高', '欧阳', '诸葛']
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀英', '桂英', '建国', '建华', '志强', '海燕', '国平', '春梅', '德胜']
/** Region codes of places many of Zhejiang's construction workers come from (Anhui, Henan, Sichuan, Guizhou, Zhejiang). */
const REGIONS = ['340121', '341221', '411525', '412726', '510322', '511623', '520221', '522427', '330322', '330825']

export function personName(rng: Rng): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.4) ? rng.pick(GIVEN).slice(0, 1) : '')
}

export function idNumber(rng: Rng, serial: number): string {
  const year = rng.int(1962, 2004)
  const month = String(rng.int(1, 12)).padStart(2, '0')
  const day = String(rng.int(1, 28)).padStart(2, '0')
  const order = String(serial % 1000).padStart(3, '0')
  const first17 = `${rng.pick(REGIONS)}${year}${month}${day}${order}`
  return first17 + idCheckChar(first17)
}

export function creditCode(rng: Rng): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  let body = '91330'
  // Characters 3–8 are the registering authority's region code, all digits (a platform checks); the rest, the body.
  while (body.length < 8) body += String(alphabet.indexOf(rng.pick([...alphabet])) % 10)
  while (body.length < 17) body += rng.pick([...alphabet])
  return body + (creditCodeCheckChar(body) as string)
}

/** A UnionPay-style debit card number (19 digits). Uniqueness comes from the serial. */
export function cardNumber(serial: number): string {
  return `6217000${String(serial).padStart(12, '0')}`
}

export function phone(rng: Rng): string {
  return `1${rng.pick(['38', '39', '58', '59', '86', '87'])}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`
}

/**
 * (Found by review; these were the defects before the fix.) a worker registered through POST /api/workers keeps the name as given (trimmed only): "阿卜杜拉 艾力", as
 * many Uyghur and other minority names are written. The 花名册 import strips every space from the name before comparing
 * it with the registration, so the very same name in the file is a `name_differs` problem ("这个身份证号已登记为另一个
 * 姓名") and the whole import is refused; a new worker imported with that name is registered without the space, so
 * the same person registered afterwards through the API is a 409 worker_exists_with_different_facts.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { sheetOf } from '../../src/roster/roster-import-file.ts'
import { previewImport, type RosterFacts } from '../../src/roster/roster-import.ts'

const HEADER = ['姓名', '身份证号', '班组', '银行卡号', '开户行', '进场日期', '日工资']

t.test('the registered name, written with a space as registered, is not a different name', async (t) => {
  const id = idNumber(new Rng(3), 1)
  const facts: RosterFacts = {
    today: '2026-12-04',
    teams: new Map([['钢筋班', 'team-1']]),
    // As RosterService.registerWorker stores it: input.name.trim()
    registered: new Map([[id, { workerId: 'w-1', name: '阿卜杜拉 艾力', cardNo: cardNumber(1), bankName: '中国农业银行', phone: null, trade: null, enrolled: false }]]),
    cardHolders: new Map(),
    deviceUsers: new Map(),
  }
  const p = previewImport(sheetOf([HEADER, ['阿卜杜拉 艾力', id, '钢筋班', cardNumber(1), '中国农业银行', '2026-10-01', '350']]), facts)
  t.same(p.rows[0]!.problems, [], 'the same name as registered: no problem')
  t.equal(p.rows[0]!.name, '阿卜杜拉艾力', 'the name as the import keeps names: without spaces (compared so with the registration)')
})

/** Rows the benchmarks seed in bulk, straight into the tables (the services' checks are not what they measure). */
import { newId } from '../src/kernel/ids.ts'

/** The i-th project of a benchmark: a site code and region of the caller's, one dedicated account each. */
export function benchProject(i: number, p: { siteCode: string; regionCode: string; constructionUnitId: string; generalContractorId: string; at: number }) {
  return {
    id: newId(),
    siteCode: p.siteCode,
    name: `基准工程${i + 1}`,
    regionCode: p.regionCode,
    timeZone: 'Asia/Shanghai',
    payDay: 10,
    constructionUnitId: p.constructionUnitId,
    generalContractorId: p.generalContractorId,
    accountBank: '中国农业银行',
    accountBankCode: '103331000011',
    accountNo: `190451010${String(i).padStart(8, '0')}`,
    accountName: `基准工程${i + 1}农民工工资专用账户`,
    debounceMinutes: 2,
    maxShiftMinutes: 960,
    incompleteDayPolicy: 'needs_review' as const,
    clockAheadMinutes: 10,
    createdAtMs: p.at,
  }
}

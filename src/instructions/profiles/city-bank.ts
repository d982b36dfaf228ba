/**
 * A generic delimited 代发 layout of the kind many city commercial banks (城市商业银行) take through their corporate
 * online banking upload: a batch line with 总笔数 and 总金额 (and the paying account, its name and the pay day), a line
 * of column titles, then 序号|卡号|姓名|金额|摘要 per worker, with our EndToEndId in a last 业务参考号 column that such
 * banks echo in their result file, so a result finds its worker-month without relying on line order.
 *
 * Status words as the result reader (`payouts/file-format.ts`) takes them: 成功, 失败, plus the not-final 处理中.
 */
import type { AgencyFileProfile } from '../agency-file.ts'

export const CITY_BANK_AGENCY_PROFILE: AgencyFileProfile = {
  id: 'city-bank-delimited',
  description: '城商行 通用代发文件: 总笔数|总金额|付款账号|付款户名|代发日期, then 序号|卡号|姓名|金额|摘要|业务参考号',
  delimiter: '|',
  newline: '\r\n',
  summary: {
    at: 'first_line',
    fields: [{ kind: 'count' }, { kind: 'total' }, { kind: 'debtor_account' }, { kind: 'debtor_name' }, { kind: 'execution_date', format: 'YYYYMMDD' }],
  },
  columnTitles: true,
  columns: [
    { column: 'seq', title: '序号' },
    { column: 'card_no', title: '卡号' },
    { column: 'worker_name', title: '姓名' },
    { column: 'amount', title: '金额' },
    { column: 'memo', title: '摘要' },
    { column: 'reference', title: '业务参考号' },
  ],
  memoTemplate: '{month}工资',
  statusCodes: [
    { code: '成功', meaning: '成功', status: 'success' },
    { code: '失败', meaning: '失败', status: 'failed' },
    { code: '退票', meaning: '退票', status: 'failed' },
    { code: '处理中', meaning: '处理中', status: 'pending' },
  ],
}

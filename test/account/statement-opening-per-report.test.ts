/**
 * A camt.053 holding one Stmt per day states an opening balance for each day: each is compared with the ledger just
 * before its own report's first line (found by review: every opening was compared before the file's first line, so a
 * file whose figures all agree showed differences).
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

const ACCOUNT = '19045101040012345'
const CARD = '6217000000000000001'

interface Posted {
  outcome: string
  stated: { kind: string; amountFen: number; date?: string; ledgerFen: number | null; differenceFen: number | null }[]
}

const bal = (code: string, amount: string, date: string) =>
  `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>`
const ntry = (ref: string, amount: string, cd: string, date: string) =>
  `<Ntry><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>${cd}</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><RltdPties><Cdtr><Nm>张三</Nm></Cdtr><CdtrAcct><Id><Othr><Id>${CARD}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`
const stmt = (id: string, opening: string, closing: string, date: string, entries: string) =>
  `<Stmt><Id>${id}</Id><CreDtTm>${date}T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${ACCOUNT}</Id></Othr></Id><Ccy>CNY</Ccy></Acct>${bal('OPBD', opening, date)}${bal('CLBD', closing, date)}${entries}</Stmt>`

t.test('a two-day camt.053: each day’s opening balance agrees with the ledger', async (t) => {
  const { api } = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'REV-OPBD', workers: 0, teams: 1, seed: 7 })
  const projectId = (await registerSite(api, { ...plan, devices: [] })).projectId
  await api.post(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', accountNo: ACCOUNT, accountName: '工资专用账户', openedOn: '2026-01-05', openingFen: 100_000, reason: '开户登记',
  })
  // ¥1,000.00 opening; day 1 pays ¥300 (closes ¥700), day 2 pays ¥200 (opens ¥700, closes ¥500). The bank's figures all agree with each other.
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M-1</MsgId><CreDtTm>2026-03-02T18:00:00+08:00</CreDtTm></GrpHdr>` +
    stmt('R-1', '1000.00', '700.00', '2026-03-02', ntry('P-1', '300.00', 'DBIT', '2026-03-02')) +
    stmt('R-2', '700.00', '500.00', '2026-03-03', ntry('P-2', '200.00', 'DBIT', '2026-03-03')) +
    `</BkToCstmrStmt></Document>\n`
  const posted = await api.request<Posted>('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(xml, 'utf8'), 'application/xml')
  t.equal(posted.outcome, 'statement_stored')
  t.equal(posted.stated.length, 4)
  for (const b of posted.stated) t.equal(b.differenceFen, 0, `${b.kind} ${b.date} ¥${b.amountFen / 100}: the ledger agrees (ledgerFen ${b.ledgerFen})`)
})

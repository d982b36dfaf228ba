/**
 * A camt.054.001.08 debit/credit notification (银行账户借贷记通知) as the payout tests post it: one notification on the
 * dedicated account, entries and their transactions built from the few fields the tests vary. Real banks' files are
 * tested against shared samples in test/payouts/formats; these are the synthetic ones the service tests share.
 */

/** The whole document: one notification of `entries` on `account`, created 10 November 2026 18:00 Beijing time. */
export const camt054 = (msgId: string, account: string, entries: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm></GrpHdr><Ntfctn><Id>${msgId}-N</Id><CreDtTm>2026-11-10T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${account}</Id></Othr></Id></Acct>${entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`

/** A booked entry (BOOK), booked and valued on `date`, with the bank's reference `ref` and its transactions. */
export const entry = (ref: string, dir: 'DBIT' | 'CRDT', yuan: string, date: string, details: string): string =>
  `<Ntry><Amt Ccy="CNY">${yuan}</Amt><CdtDbtInd>${dir}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls>${details}</NtryDtls></Ntry>`

export interface CamtPayment {
  endToEndId: string
  card: string
  name: string
  yuan: string
}

/** One transaction paying `card` (the creditor's account); `extra` goes after the parties (e.g. a return's RtrInf). */
export const txDtls = (p: CamtPayment, extra = ''): string =>
  `<TxDtls><Refs><EndToEndId>${p.endToEndId}</EndToEndId></Refs><Amt Ccy="CNY">${p.yuan}</Amt><RltdPties><Cdtr><Pty><Nm>${p.name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${p.card}</Id></Othr></Id></CdtrAcct></RltdPties>${extra}</TxDtls>`

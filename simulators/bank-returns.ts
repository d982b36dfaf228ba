/**
 * The bank's debit notification a few days after the pay date (ISO 20022 camt.054.001.08), reporting that payments it
 * had booked came back (退票): the payee's bank refused them after all (an account closed, a name that does not match).
 * Each return is a credit entry carrying `RtrInf` and the original payment's EndToEndId, as banks report them.
 */
import { formatYuan, type Fen } from '../src/kernel/money.ts'

export interface ReturnedPayment {
  endToEndId: string
  card: string
  name: string
  amountFen: Fen
  /** ISO 20022 return reason (ExternalReturnReason1Code): AC04 account closed, AC01 wrong account, BE01 name mismatch. */
  reason: 'AC04' | 'AC01' | 'BE01'
  text: string
}

export function returnNotification(input: { msgId: string; accountNo: string; bookedOn: string; returns: readonly ReturnedPayment[] }): Buffer {
  const entries = input.returns
    .map(
      (r, i) =>
        `<Ntry><Amt Ccy="CNY">${formatYuan(r.amountFen)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>` +
        `<BookgDt><Dt>${input.bookedOn}</Dt></BookgDt><ValDt><Dt>${input.bookedOn}</Dt></ValDt><AcctSvcrRef>${input.msgId}-R${i + 1}</AcctSvcrRef>` +
        `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><TxDtls><Refs><EndToEndId>${r.endToEndId}</EndToEndId></Refs><Amt Ccy="CNY">${formatYuan(r.amountFen)}</Amt>` +
        `<RltdPties><Cdtr><Pty><Nm>${r.name}</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${r.card}</Id></Othr></Id></CdtrAcct></RltdPties>` +
        `<RtrInf><Rsn><Cd>${r.reason}</Cd></Rsn><AddtlInf>${r.text}</AddtlInf></RtrInf></TxDtls></NtryDtls></Ntry>`,
    )
    .join('')
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>` +
      `<GrpHdr><MsgId>${input.msgId}</MsgId><CreDtTm>${input.bookedOn}T18:00:00+08:00</CreDtTm></GrpHdr>` +
      `<Ntfctn><Id>${input.msgId}-N</Id><CreDtTm>${input.bookedOn}T18:00:00+08:00</CreDtTm><Acct><Id><Othr><Id>${input.accountNo}</Id></Othr></Id></Acct>${entries}</Ntfctn>` +
      `</BkToCstmrDbtCdtNtfctn></Document>`,
    'utf-8',
  )
}

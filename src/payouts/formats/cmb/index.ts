/**
 * China Merchants Bank 银企直联 agency payment (代发) results and its return (退票) query, read to payment evidence.
 *
 * Two interfaces carry the same records. The 前置机 XML (xml.ts; `<CMBSDKPGK>`, GBK on the wire, its declaration
 * honoured): NTAGCINN / NTAGCQRI answer with batches (NTAGCINQZ), NTAGDINF with a batch's lines (NTAGCDTLY1, and
 * NTAGDINFY1 when there are more pages), GetAgentDetail with lines (NTQATDQYZ), NTAGDRFD with returns (NTAGDRFDZ1). The
 * newer JSON API (json.ts): BB6BPDQY (bb6bpdqyz1 batch, bb6bpdqyz2 lines) and the 代发 result push notice (agcInfo,
 * detailInfo). A request (NTAGCAPY, or any file without RETCOD) is no result and is refused as such; RETCOD other
 * than 0 (resultcode other than SUC0000) refuses the file with the bank's ERRMSG. What the records mean is decided
 * once, in records.ts, whichever interface carried them.
 *
 * Line status, STSCOD, by record (from the field specs beside the samples: CMBFirmBankSDK's component docs, go-cmb's
 * models); a code not in its record's column refuses the file naming it, never guessed:
 *
 * | STSCOD | NTAGCDTLY1, bb6bpdqyz2 | NTQATDQYZ  | detailInfo (notice) | evidence   |
 * |--------|------------------------|------------|---------------------|------------|
 * | S      | 成功                   | 成功       | 成功                | booked     |
 * | E      | 失败                   | —          | 失败                | rejected   |
 * | F      | —                      | 失败       | —                   | rejected   |
 * | C      | 取消                   | 撤消       | —                   | rejected   |
 * | A      | 待处理                 | —          | 登记                | pending    |
 * | I      | 待复核                 | 数据录入   | —                   | pending    |
 *
 * A 退票 record (NTAGDRFDZ1) is `returned` whatever else it says, its STSCOD E (失败: what became of the payment) or
 * absent; any other code refuses the file. It names the line it undoes by the batch's REQNBR and the line's BTHDTL:
 * `returnOf.bankRef` is `REQNBR/BTHDTL`, the bank reference a result line of that batch has (`REQNBR/TRXSEQ`); its
 * own is that with `/RTN`. RTNCOD / RTNTXT are its reason.
 *
 * The batch (NTAGCINQZ, bb6bpdqyz1, agcInfo): REQSTA (附录 A.5) AUT 等待审批, NTE 终审完毕, BNK 银行处理中, OPR 数据接收中
 * are not final, FIN 完成 is; RTNFLG (附录 A.6) S 成功, F 失败, R 否决, D 过期, C 撤销 is its result once final (the
 * notice gives RTNFLG without REQSTA: final). Other codes refuse the file. Over the lines of the batch in the same file:
 * after F / R / D / C no line is paid, so a pending line is rejected with the batch's result as reason, and a paid
 * line contradicts it; after S no line is still pending. TRSNUM / TOTAMT (count and sum of the lines) and SUCNUM /
 * SUCAMT (of the paid ones) are held against the lines when the file holds the whole batch (no next-page key).
 *
 * Fields: TRSAMT → amount (decimal yuan to fen, exactly), TRSDAT (YYYYMMDD) → booking and value date, YURREF (our
 * batch reference) → paymentInfoId, ACCNBR / EACNBR → payeeCard, ACCNAM / CLTNAM / EACNAM → payeeName, ERRCOD /
 * ERRTXT / ERRDSP (CMB1003 客户名失配 is code and words) or RTNCOD / RTNTXT → reason, the batch's ACCNBR → the paying
 * account, CCYNBR 10 → CNY (another currency refuses the file). bankRef is REQNBR/TRXSEQ (TRXSEQ as 8 digits) when
 * the file names the batch; GetAgentDetail names neither, and its lines have none. TRXSEQ itself is kept on each line
 * (`CmbPaymentEvidence.trxseq`): with YURREF it is how our instruction line is found, CMB giving back no reference of
 * ours per line.
 */
import type { BankFormat, EvidenceParse } from '../evidence.ts'
import { decodeJson, decodeXml } from './decode.ts'
import { Faults } from './faults.ts'
import { readJson } from './json.ts'
import { evidenceOf } from './records.ts'
import { readXml } from './xml.ts'

export type { CmbPaymentEvidence } from './records.ts'

const XML_ROOT = /<CMBSDKPGK[\s>/]/
const JSON_RECORD = /"(?:bb6bpdqyz[12]|agcInfo|detailInfo)"\s*:/

function detect(text: string): boolean {
  const head = text.slice(0, 4096)
  const first = head.trimStart().charAt(0)
  if (first === '<') return XML_ROOT.test(head)
  return first === '{' && JSON_RECORD.test(text)
}

function parse(bytes: Buffer): EvidenceParse {
  const faults = new Faults()
  try {
    // The first character that is not a BOM or white space tells XML from JSON: both encodings agree on it.
    const start = bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])) ? 3 : 0
    let i = start
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++
    const json = bytes[i] === 0x7b
    if (!json && bytes[i] !== 0x3c) {
      faults.add(0, 'file', i >= bytes.length ? 'file_empty' : 'not_cmb', i >= bytes.length ? 'The file is empty.' : 'The file is neither a CMB 银企直联 XML answer (<CMBSDKPGK>) nor a JSON one.')
      return { errors: faults.list }
    }
    const decoded = json ? decodeJson(bytes) : decodeXml(bytes)
    if ('fault' in decoded) return { errors: [decoded.fault] }
    const doc = json ? readJson(decoded.text, faults) : readXml(decoded.text, faults)
    const file = doc === undefined ? undefined : evidenceOf(doc, faults)
    if (file === undefined || faults.count > 0) return { errors: faults.list.length > 0 ? faults.list : [{ lineNo: 0, field: 'file', code: 'unreadable', message: 'The file could not be read.' }] }
    return { file, errors: [] }
  } catch (err) {
    // No input should get here; if one does, the file is refused with the fault rather than taking the caller down.
    return { errors: [{ lineNo: 0, field: 'file', code: 'unreadable', message: `The file could not be read (${err instanceof Error ? err.message : 'unknown fault'}).` }] }
  }
}

export const cmbAgencyFormat: BankFormat = {
  name: 'cmb-agency',
  detect,
  parse: (bytes) => parse(bytes),
}

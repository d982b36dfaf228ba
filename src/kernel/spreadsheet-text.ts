/**
 * Text from data written into a file people open in a spreadsheet (CSV, XLSX): the timesheet, the payroll ledger
 * (工资支付台账), the upstream records and the bureau's overview exports write every text cell through here.
 */

/**
 * Defuses a text cell: Excel and WPS run a cell that starts with = + - @ as a formula, some importers strip leading
 * tabs, carriage returns or spaces (the full-width space too) and then see the formula behind them. Such a cell gets an
 * apostrophe in front, which shows; a name that starts so is odd enough to deserve it. Figures a file formats itself
 * (an adjustment "-0.5") are not text from data and are not passed through here.
 */
export function defuseFormula(text: string): string {
  return /^[\s\u3000]*[=+\-@]|^[\t\r]/.test(text) ? `'${text}` : text
}

/** RFC 4180: quote a field holding a comma, quote or line break, and double its quotes. */
export function csvField(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field
}

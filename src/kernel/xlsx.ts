/**
 * exceljs, loaded on the first spreadsheet made rather than at start-up: with its dependencies it is about a third of
 * a second of every process's start (each test file's too), for a feature used on a few export routes.
 */
import type ExcelJSModule from 'exceljs'

let loading: Promise<typeof ExcelJSModule> | undefined

export function loadExcel(): Promise<typeof ExcelJSModule> {
  loading ??= import('exceljs').then((m) => m.default)
  return loading
}

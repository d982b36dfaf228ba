/**
 * Roster import on the desk (花名册导入, issue 13): `/pages/projects/:projectId/desk/roster-import`.
 *
 * The page picks the spreadsheet; its script (assets/desk-import.js) sends the file's bytes as they are, with the
 * file's type, to the two routes below, which answer with the markup of the preview or of the outcome, swapped into
 * the page. The bytes travel as the API takes them (no multipart form): the same RosterImportService reads them,
 * under the same policies as POST …/roster-imports/preview and POST …/roster-imports. "全部导入" is offered only when
 * no row has a problem, and the import itself refuses a file with problems whatever the page showed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { principalOf } from '../http/access.ts'
import { actorOf } from '../http/routes/access.ts'
import { addRosterFileParsers, importEmployer, ROSTER_FILE_BYTES_MAX, spreadsheetOnly } from '../http/routes/roster-imports.ts'
import { AppError } from '../kernel/errors.ts'
import { ROSTER_FILE_CONTENT_TYPES, REQUIRED_FIELDS, ROSTER_COLUMNS, ROSTER_ROWS_MAX } from '../roster/roster-import-file.ts'
import { FIELD_LABELS, presentRow, type PresentedRow } from '../roster/roster-import.ts'
import type { Services } from '../services.ts'
import { deskNav, deskParams, deskPath, signedInOf } from './desk.ts'
import { render, sendPage, type LayoutData } from './views.ts'

export const rosterImportPath = (projectId: string): string => `${deskPath(projectId)}/roster-import`

const ACTION_LABELS: Readonly<Record<PresentedRow['action'], string>> = {
  register_and_enrol: '新登记并进场',
  enrol: '已实名登记，登记进场',
  return: '已退场，登记再次进场',
  already_enrolled: '已在本项目，不变',
}

interface ImportPageData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  previewUrl: string
  importUrl: string
  accept: string
  required: string[]
  optional: string[]
  rowsMax: number
}

interface FragmentData extends LayoutData {
  problem?: { message: string; code: string }
  preview?: { rows: Array<PresentedRow & { actionLabel: string }>; rowsWithProblems: number; counts: Record<PresentedRow['action'], number>; fileHash: string }
  applied?: { outcome: string; counts: Record<PresentedRow['action'], number> }
  deskUrl: string
}

/** Why a file could not be read, as the labour manager reads it. */
function unreadable(details: Record<string, unknown>): string {
  switch (details.problem) {
    case 'legacy_xls':
      return '这是旧版 Excel（.xls）文件：请在 Excel 中"另存为" .xlsx 或 CSV 后再上传。'
    case 'no_header':
      return `找不到表头：前 10 行中没有一行同时写有这些列：${(details.missing as string[] | undefined)?.join('、') ?? ''}。请补上这些列标题。`
    case 'no_rows':
      return '表头下面没有工人。'
    case 'too_many_rows':
      return `一次最多导入 ${ROSTER_ROWS_MAX} 行，请把文件拆开。`
    default:
      return '无法读取这个文件：请上传 Excel（.xlsx）或 CSV 格式的花名册。'
  }
}

const sendFragment = (reply: FastifyReply, status: number, data: Omit<FragmentData, 'title'>): FastifyReply =>
  reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(render('desk-import-result', { title: '', ...data }))

export async function rosterImportDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  addRosterFileParsers(app)

  app.get<{ Params: { projectId: string } }>(
    '/pages/projects/:projectId/desk/roster-import',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: false } }, schema: { hide: true, params: deskParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const project = await services.roster.project(req.params.projectId)
      const base = rosterImportPath(project.id)
      return sendPage<ImportPageData>(reply, 200, 'desk-import', {
        title: `花名册导入 · ${project.name}`,
        signedIn: signedInOf(p),
        stylesheets: ['desk-admin.css'],
        scripts: ['desk-import.js'],
        projectName: project.name,
        nav: deskNav(project.id, p, 'roster-import'),
        previewUrl: `${base}/preview`,
        importUrl: base,
        accept: '.xlsx,.csv,.txt,' + ROSTER_FILE_CONTENT_TYPES.join(','),
        required: REQUIRED_FIELDS.map((f) => FIELD_LABELS[f]),
        optional: (Object.keys(ROSTER_COLUMNS) as Array<keyof typeof ROSTER_COLUMNS>).filter((f) => !REQUIRED_FIELDS.includes(f)).map((f) => FIELD_LABELS[f]),
        rowsMax: ROSTER_ROWS_MAX,
      })
    },
  )

  /** The file-level refusals as a fragment the page shows; anything else goes to the pages' error handler. */
  const fileProblem = (reply: FastifyReply, projectId: string, err: unknown): FastifyReply => {
    if (err instanceof AppError && err.code === 'roster_file_unreadable') {
      return sendFragment(reply, 400, { problem: { message: unreadable((err.details ?? {}) as Record<string, unknown>), code: err.code }, deskUrl: deskPath(projectId) })
    }
    if (err instanceof AppError && err.code === 'roster_import_has_problems') {
      return sendFragment(reply, 422, { problem: { message: '有些行仍有问题，什么都没有导入。请先预览，改正表格后再导入。', code: err.code }, deskUrl: deskPath(projectId) })
    }
    throw err
  }

  app.post<{ Params: { projectId: string }; Body: Buffer }>(
    '/pages/projects/:projectId/desk/roster-import/preview',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: false, personal: true } }, bodyLimit: ROSTER_FILE_BYTES_MAX, onRequest: spreadsheetOnly, schema: { hide: true, params: deskParams } },
    async (req, reply) => {
      try {
        const p = await services.rosterImports.preview(req.params.projectId, req.body, importEmployer(principalOf(req)))
        return sendFragment(reply, 200, {
          preview: { rows: p.rows.map((r) => ({ ...presentRow(r), actionLabel: ACTION_LABELS[r.action] })), rowsWithProblems: p.rowsWithProblems, counts: p.counts, fileHash: p.fileHash },
          deskUrl: deskPath(req.params.projectId),
        })
      } catch (err) {
        return fileProblem(reply, req.params.projectId, err)
      }
    },
  )

  app.post<{ Params: { projectId: string }; Body: Buffer }>(
    '/pages/projects/:projectId/desk/roster-import',
    { config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } }, bodyLimit: ROSTER_FILE_BYTES_MAX, onRequest: spreadsheetOnly, schema: { hide: true, params: deskParams } },
    async (req, reply) => {
      try {
        const r = await services.rosterImports.apply(req.params.projectId, req.body, importEmployer(principalOf(req)), actorOf(principalOf(req)))
        return sendFragment(reply, r.outcome === 'imported' ? 201 : 200, { applied: { outcome: r.outcome, counts: r.preview.counts }, deskUrl: deskPath(req.params.projectId) })
      } catch (err) {
        return fileProblem(reply, req.params.projectId, err)
      }
    },
  )
}

/**
 * The signed-in person's start page: the projects their role sees (the same scope condition as GET /api/projects),
 * a page at a time, each with the pages built so far. Where sign-in leads when it was not sent elsewhere.
 */
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../http/access.ts'
import { pageOf } from '../http/paging.ts'
import type { Services } from '../services.ts'
import { boardPath, kioskPath } from './rights-board.ts'
import { HOME_PATH } from './sign-in.ts'
import { ROLE_NAMES, sendPage, type LayoutData } from './views.ts'

/** Projects on one page of the list: a labour manager's sites fit on one; a region's auditor pages on. */
const PROJECTS_PER_PAGE = 50

interface HomeData extends LayoutData {
  projects: Array<{ name: string; siteCode: string; boardUrl: string; kioskUrl: string }>
  nextUrl?: string
  /** The role's other pages: the bureau's, and the risk ranking a labour manager may read for their own projects. */
  links: Array<{ label: string; href: string }>
}

export async function homeRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Querystring: { after?: string } }>(
    HOME_PATH,
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false } },
      schema: { hide: true, querystring: { type: 'object', properties: { after: { type: 'string', minLength: 1, maxLength: 64 } } } },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const rows = await services.roster.pageProjects({ limit: PROJECTS_PER_PAGE + 1, after: req.query.after }, services.access.projectCondition(p))
      const { page, next } = pageOf(rows, PROJECTS_PER_PAGE, (r) => r.id)
      return sendPage<HomeData>(reply, 200, 'home', {
        title: '我的项目',
        signedIn: { label: p.label, roleName: ROLE_NAMES[p.role] ?? p.role },
        projects: page.map((r) => ({ name: r.name, siteCode: r.siteCode, boardUrl: boardPath(r.id), kioskUrl: kioskPath(r.id) })),
        nextUrl: next === undefined ? undefined : `${HOME_PATH}?after=${encodeURIComponent(next)}`,
        links:
          p.role === 'auditor'
            ? [{ label: '监管总览', href: '/pages/oversight' }, { label: '风险排名', href: '/pages/oversight/risk' }, { label: '无欠薪目标', href: '/pages/oversight/targets' }]
            : p.role === 'labour_manager'
              ? [{ label: '风险排名', href: '/pages/oversight/risk' }]
              : [],
      })
    },
  )
}

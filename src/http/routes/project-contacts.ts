/**
 * The rights board's contacts (维权信息登记): who the board names as the site's labour manager (劳资专管员) with the
 * phone workers call, and the local complaint line. The general contractor's labour manager registers them; the
 * bureau reads them. These are the numbers the law has posted at the gate, so they are not masked; the reason for an
 * entry is typed text, posted nowhere, and is masked by shape as every reply's.
 */
import type { FastifyInstance } from 'fastify'
import { principalOf } from '../access.ts'
import { maskText } from '../../access/masking.ts'
import type { ProjectContactsRow } from '../../roster/project-contacts.ts'
import type { Services } from '../../services.ts'
import { errors, projectParams } from '../schemas.ts'

const entry = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    labourManagerName: { type: 'string' },
    labourManagerPhone: { type: 'string' },
    localComplaintName: { type: ['string', 'null'] },
    localComplaintPhone: { type: ['string', 'null'] },
    reason: { type: 'string' },
    recordedBy: { type: 'string' },
    recordedAt: { type: 'string' },
  },
} as const
const register = { type: 'object', properties: { inForce: { anyOf: [entry, { type: 'null' }] }, history: { type: 'array', items: entry } } } as const

const present = (r: ProjectContactsRow) => ({
  id: r.id,
  labourManagerName: r.labourManagerName,
  labourManagerPhone: r.labourManagerPhone,
  localComplaintName: r.localComplaintName,
  localComplaintPhone: r.localComplaintPhone,
  reason: maskText(r.reason),
  recordedBy: r.recordedBy,
  recordedAt: new Date(r.recordedAtMs).toISOString(),
})
const presentRegister = (history: ProjectContactsRow[]) => ({ inForce: history[0] ? present(history[0]) : null, history: history.map(present) })

export interface ContactsBody {
  labourManagerName: string
  labourManagerPhone: string
  localComplaintName?: string | null
  localComplaintPhone?: string | null
  reason: string
}

export async function projectContactsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { projectContacts } = services

  app.post<{ Params: { projectId: string }; Body: ContactsBody }>(
    '/api/projects/:projectId/contacts',
    {
      // The appointment is the general contractor's (条例 Art. 28): a subcontractor's team manager does not name it.
      config: { policy: { roles: ['labour_manager'], write: true } },
      schema: {
        tags: ['roster'],
        summary: "Register who the rights board names (维权信息登记): the site's labour manager and phone, the local complaint line; a newer entry restates the older",
        params: projectParams,
        body: {
          type: 'object',
          properties: {
            labourManagerName: { type: 'string', minLength: 1, maxLength: 50 },
            labourManagerPhone: { type: 'string', minLength: 1, maxLength: 30, description: 'an 11-digit mobile, or a landline with its area code (0571-87654321)' },
            localComplaintName: { type: ['string', 'null'], maxLength: 100, description: 'e.g. 西湖区劳动保障监察大队' },
            localComplaintPhone: { type: ['string', 'null'], maxLength: 30 },
            reason: { type: 'string', minLength: 1, maxLength: 500 },
          },
          required: ['labourManagerName', 'labourManagerPhone', 'reason'],
          additionalProperties: false,
        },
        response: { 201: register, ...errors },
      },
    },
    async (req, res) => res.status(201).send(presentRegister((await projectContacts.register(req.params.projectId, req.body, principalOf(req).label)).history)),
  )

  app.get<{ Params: { projectId: string } }>(
    '/api/projects/:projectId/contacts',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false } },
      schema: { tags: ['roster'], summary: 'The entry in force (null when none) and every entry, newest first', params: projectParams, response: { 200: register, ...errors } },
    },
    async (req) => presentRegister(await projectContacts.history(req.params.projectId)),
  )
}

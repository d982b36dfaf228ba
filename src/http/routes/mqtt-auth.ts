/**
 * EMQX's HTTP authenticator and HTTP authorizer call these (EMQX 5: a 200 reply whose body is
 * `{"result": "allow" | "deny"}`; README.md has the EMQX configuration). A device connects with username = client
 * id = its serial and the secret in force; it may publish only on its own punch topic (QoS 1, not retained) and
 * subscribe only to its own ack topic, and only while its credential is in force, so a revocation refuses its next
 * publish as well as its next connection. The service's own account (MQTT_USERNAME) may connect with MQTT_PASSWORD,
 * take its shared subscription and publish acks.
 *
 * Fail-closed: any error on the way (a malformed body, a database fault, a bug) is answered 200 `deny`, never a
 * 4xx/5xx, which EMQX would read as "ignore" and pass on down its chain. The one exception is a caller without the
 * shared secret (`x-wl-mqtt-auth-secret`): it is not EMQX, and gets the catalogue's 401. Without
 * MQTT_HTTP_AUTH_SECRET the routes do not exist (404).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { sameHash, sha256 } from '../../access/secrets.ts'
import { dbFaultOf } from '../../db/faults.ts'
import { PUNCH_SUBSCRIPTION } from '../../ingest/external-subscriber.ts'
import { AppError, ERRORS } from '../../kernel/errors.ts'
import { ackTopic, commandTopic, punchTopic } from '../../punches/admit.ts'
import type { Services } from '../../services.ts'
import { errorResponse } from '../schemas.ts'

export const MQTT_AUTH_SECRET_HEADER = 'x-wl-mqtt-auth-secret'

type Decision = { result: 'allow' | 'deny'; is_superuser?: false }
const ALLOW: Decision = { result: 'allow', is_superuser: false }
const DENY: Decision = { result: 'deny' }

/** MQTT 5 allows 65,535 bytes in a string; these are far beyond any serial, secret or topic of ours. */
const mqttText = { type: 'string', maxLength: 1024 } as const
const authenticateBody = {
  type: 'object',
  properties: { clientid: mqttText, username: mqttText, password: mqttText },
  required: ['clientid'],
  additionalProperties: false,
} as const
const authorizeBody = {
  type: 'object',
  properties: {
    clientid: mqttText,
    username: mqttText,
    topic: mqttText,
    action: { type: 'string', enum: ['publish', 'subscribe', 'all'] },
    // EMQX renders placeholders as text when the template quotes them ("${qos}") and as JSON values when it does not.
    qos: { type: ['integer', 'string'], pattern: '^[0-2]$', minimum: 0, maximum: 2 },
    retain: { type: ['boolean', 'string'], enum: [true, false, 'true', 'false'] },
  },
  required: ['clientid', 'topic', 'action'],
  additionalProperties: false,
} as const
const decision = {
  type: 'object',
  properties: { result: { type: 'string', enum: ['allow', 'deny'] }, is_superuser: { type: 'boolean' } },
  required: ['result'],
} as const
const POLICY = { public: 'called by EMQX, not by people: checked by its own shared secret (MQTT_HTTP_AUTH_SECRET in the x-wl-mqtt-auth-secret header)' }

interface AuthenticateBody {
  clientid: string
  username?: string
  password?: string
}
interface AuthorizeBody {
  clientid: string
  username?: string
  topic: string
  action: 'publish' | 'subscribe' | 'all'
  qos?: number | string
  retain?: boolean | string
}

/** A topic level of ours: no separator, no wildcard. */
const LEVEL = '[^/+#]+'
/** What the service publishes to devices: acks, and commands (backfills). */
const SERVICE_PUBLISH = new RegExp(`^wl/v1/${LEVEL}/${LEVEL}/(ack|command)$`)

export async function mqttAuthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { config } = services
  if (config.mqttHttpAuthSecret === undefined) return
  const secretHash = sha256(config.mqttHttpAuthSecret)
  const service = config.mqttUsername
  const servicePasswordHash = config.mqttPassword === undefined ? undefined : sha256(config.mqttPassword)
  const serviceSubscriptions = new Set([`$share/${config.mqttGroup}/${PUNCH_SUBSCRIPTION}`, PUNCH_SUBSCRIPTION])

  // Only these routes (this plugin's scope): the caller must be EMQX.
  app.addHook('onRequest', async (req) => {
    const presented = req.headers[MQTT_AUTH_SECRET_HEADER]
    if (typeof presented === 'string' && sameHash(sha256(presented), secretHash)) return
    req.log.warn({ code: 'mqtt_auth_secret_refused', reason: presented === undefined ? 'missing' : 'unknown' }, 'a call to the MQTT auth endpoints without the shared secret')
    throw new AppError('unauthenticated', { reason: presented === undefined ? 'missing' : 'unknown', header: MQTT_AUTH_SECRET_HEADER })
  })
  app.setErrorHandler((err, req, res) => {
    if (err instanceof AppError && err.code === 'unauthenticated') {
      return res.status(401).send({ error: { code: err.code, message: ERRORS.unauthenticated.message, details: err.details } })
    }
    const fault = dbFaultOf(err)
    if (fault) services.database.faulted('http', fault)
    else req.log.error({ err, code: 'mqtt_auth_failed' }, 'MQTT auth endpoint failed: answered deny')
    return res.status(200).send(DENY)
  })

  const denied = (req: FastifyRequest<{ Body: { clientid: string; username?: string } }>, what: string, reason: string): Decision => {
    req.log.warn({ code: 'mqtt_auth_denied', what, clientid: req.body.clientid, username: req.body.username, reason }, `EMQX ${what}: denied`)
    return DENY
  }

  app.post<{ Body: AuthenticateBody }>(
    '/api/mqtt/authenticate',
    {
      config: { policy: POLICY },
      schema: {
        tags: ['operations'],
        summary: "EMQX's HTTP authenticator: may this client connect? Devices: username = client id = serial, password = the secret in force",
        headers: { type: 'object', properties: { [MQTT_AUTH_SECRET_HEADER]: { type: 'string' } }, required: [MQTT_AUTH_SECRET_HEADER] },
        body: authenticateBody,
        response: { 200: decision, 401: errorResponse },
      },
    },
    async (req) => {
      const { clientid, username, password } = req.body
      if (username === undefined || username === '' || password === undefined || password === '') return denied(req, 'connect', 'no username or password')
      if (service !== undefined && username === service) {
        if (servicePasswordHash === undefined || !sameHash(sha256(password), servicePasswordHash)) return denied(req, 'connect', 'wrong password for the service account')
        // The service's connections are named MQTT_GROUP-MQTT_INSTANCE-….
        if (!clientid.startsWith(`${config.mqttGroup}-`)) return denied(req, 'connect', `the service account connects with client ids starting "${config.mqttGroup}-"`)
        return ALLOW
      }
      if (clientid !== username) return denied(req, 'connect', 'a device connects with its serial as client id and username')
      if (!(await services.access.verifyDevice(username, password))) return denied(req, 'connect', 'unknown device, wrong secret or revoked')
      return ALLOW
    },
  )

  app.post<{ Body: AuthorizeBody }>(
    '/api/mqtt/authorize',
    {
      config: { policy: POLICY },
      schema: {
        tags: ['operations'],
        summary: "EMQX's HTTP authorizer: may this client publish or subscribe to this topic? A device: its own punch topic (QoS 1, not retained) and ack topic, while its credential is in force",
        headers: { type: 'object', properties: { [MQTT_AUTH_SECRET_HEADER]: { type: 'string' } }, required: [MQTT_AUTH_SECRET_HEADER] },
        body: authorizeBody,
        response: { 200: decision, 401: errorResponse },
      },
    },
    async (req) => {
      const { clientid, username, topic, action } = req.body
      const qos = req.body.qos === undefined ? undefined : Number(req.body.qos)
      const retain = req.body.retain === undefined ? undefined : req.body.retain === true || req.body.retain === 'true'
      if (service !== undefined && username === service) {
        if (action === 'subscribe' && serviceSubscriptions.has(topic)) return ALLOW
        if (action === 'publish' && SERVICE_PUBLISH.test(topic) && retain !== true) return ALLOW
        return denied(req, action, 'the service account takes its shared subscription and publishes acks and commands, nothing else')
      }
      if (username === undefined || clientid !== username) return denied(req, action, 'not a device: client id and username differ')
      const credential = await services.access.repo.deviceCredential(username)
      if (!credential || credential.revokedAtMs !== null) return denied(req, action, 'no credential in force')
      const { siteCode } = await services.roster.project(credential.projectId)
      if (action === 'publish') {
        if (topic !== punchTopic(siteCode, username)) return denied(req, action, `a device publishes only on ${punchTopic(siteCode, username)}`)
        if (qos !== undefined && qos !== 1) return denied(req, action, 'punches are published with QoS 1')
        if (retain === true) return denied(req, action, 'punches are not retained')
        return ALLOW
      }
      if (action === 'subscribe' && (topic === ackTopic(siteCode, username) || topic === commandTopic(siteCode, username))) return ALLOW
      return denied(req, action, `a device subscribes only to ${ackTopic(siteCode, username)} and ${commandTopic(siteCode, username)}`)
    },
  )
}

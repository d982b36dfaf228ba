/**
 * Gate turnstiles (gate-ts200) that publish numbered records at QoS 1 and
 * remember which of them the broker acknowledged: the device's side of the
 * guarantee, for tests that kill the service mid-stream.
 */
import mqtt from 'mqtt'

export interface GateRecord {
  /** `${serial}/${seq}`: the idempotency key as the device sees it. */
  key: string
  serial: string
  seq: number
  topic: string
  payload: Buffer
}

export const recordKey = (serial: string, recordId: string | number): string => `${serial}/${recordId}`

/**
 * `perDevice` records for each gate, seq 1…perDevice, each naming one of the
 * enrolled workers, device times in the last hours (well inside the service's
 * admission window).
 */
export function gateRecords(siteCode: string, serials: readonly string[], perDevice: number, idNumbers: readonly string[], nowMs: number): GateRecord[][] {
  const firstSeconds = Math.floor(nowMs / 1000) - 3 * 3600
  return serials.map((serial, d) =>
    Array.from({ length: perDevice }, (_, i) => {
      const seq = i + 1
      const frame = { sn: serial, seq, lane: (seq % 2) + 1, idNo: idNumbers[(i + d) % idNumbers.length], ts: firstSeconds + Math.floor(i / 2), mode: 'card' }
      return { key: recordKey(serial, seq), serial, seq, topic: `wl/v1/${siteCode}/${serial}/punch`, payload: Buffer.from(JSON.stringify(frame)) }
    }),
  )
}

export interface PublishResult {
  /** Records whose PUBLISH was handed to the connection. */
  attempted: Set<string>
  /** Records whose PUBACK arrived (publishAsync resolved). */
  acked: Set<string>
  /** Publishes that failed (connection closed before the PUBACK). */
  failed: number
}

/**
 * One MQTT connection per gate (client id = username = serial, password = its
 * secret), `inFlightPerDevice` publishes outstanding on each. A gate stops at
 * the first failure (its connection is gone); the call returns when every gate
 * has stopped or finished.
 */
export async function publishGateRecords(
  mqttUrl: string,
  gates: GateRecord[][],
  opts: {
    inFlightPerDevice: number
    onAck?: (ackedTotal: number) => void
    /** Serial → secret, as registration returned them (registerSite's `secrets`); left out only for a broker that lets anyone in. */
    secrets?: ReadonlyMap<string, string>
  },
): Promise<PublishResult> {
  const result: PublishResult = { attempted: new Set(), acked: new Set(), failed: 0 }
  const clients = await Promise.all(
    gates.filter((list) => list.length > 0).map(async (list) => ({
      list,
      client: await mqtt.connectAsync(mqttUrl, {
        clientId: list[0]!.serial,
        username: list[0]!.serial,
        password: opts.secrets?.get(list[0]!.serial),
        clean: true,
        reconnectPeriod: 0,
        // mqtt.js's default: a CONNECT is answered after a database lookup of the secret, slow on a loaded machine.
        connectTimeout: 30_000,
      }),
    })),
  )
  await Promise.all(
    clients.map(async ({ list, client }) => {
      let closed = false
      // A QoS 1 publish outstanding when the connection drops stays queued for a reconnect that never comes; end(true) fails it.
      client.once('close', () => {
        closed = true
        client.end(true)
      })
      client.on('error', () => {})
      let next = 0
      const lane = async (): Promise<void> => {
        while (!closed && next < list.length) {
          const r = list[next++]!
          result.attempted.add(r.key)
          try {
            await client.publishAsync(r.topic, r.payload, { qos: 1 })
          } catch {
            result.failed++
            return
          }
          result.acked.add(r.key)
          opts.onAck?.(result.acked.size)
        }
      }
      await Promise.all(Array.from({ length: Math.min(opts.inFlightPerDevice, list.length) }, lane))
      if (!closed) await client.endAsync()
    }),
  )
  return result
}

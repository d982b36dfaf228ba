/**
 * A device heard from (设备在线): any contact, with or without a punch. A terminal that works and has nobody to punch
 * (a quiet morning, a holiday) still shakes hands, polls for commands, sends heartbeats or keeps its connection, and
 * is not silent; counting punches alone would raise an outage at every lull. What counts, per family
 * (devices/README.md, "What counts as a contact"):
 *
 * - any record committed from the device, punch or refusal (`frame`), whatever the transport;
 * - ZKTeco ADMS: the `GET /iclock/cdata` handshake, a `POST /iclock/cdata` push, the `GET /iclock/getrequest` poll
 *   (every few seconds), a `POST /iclock/devicecmd` result;
 * - Hikvision ISAPI: a push to the listening host (heartbeats included), a log search the device answered;
 * - Dahua: its event stream attached, and each heartbeat on it (every 5 s);
 * - MQTT (embedded broker): the device's authenticated CONNECT and its keep-alive PINGREQs. Behind an external broker
 *   the service sees a device's frames only.
 *
 * Stored as one row per device (device_contacts), the newest contact's time and kind, written by each instance at
 * most once per `CONTACT_WRITE_INTERVAL_MS` per device: the watch needs the newest contact only, and a ZKTeco device
 * polling every few seconds would otherwise write thousands of rows a day. Append-only rows, thinned, would keep a
 * history nobody reads (the punches and refusals are the history). A stored time may thus lag the true last contact
 * by up to the interval, against an offline limit of an hour. Writes from several instances keep the newest time
 * (`DeviceContactRepository.record`).
 */
import { MINUTE_MS } from '../kernel/time.ts'

export const CONTACT_KINDS = [
  'frame',
  'adms_handshake',
  'adms_push',
  'adms_poll',
  'adms_command_result',
  'hikvision_push',
  'hikvision_search',
  'dahua_stream',
  'mqtt_connect',
  'mqtt_ping',
] as const
export type ContactKind = (typeof CONTACT_KINDS)[number]

/** What the edges call when a device is heard: never waits, never throws (a contact lost is one of many). */
export interface DeviceContactSink {
  heard(serial: string, kind: ContactKind): void
}

/** At most one write per device per instance this often. */
export const CONTACT_WRITE_INTERVAL_MS = MINUTE_MS

export interface ContactStore {
  /** The registered device of a serial (cached), or undefined: an unregistered serial is written nowhere. */
  deviceOf(serial: string): Promise<{ id: string } | undefined>
  record(contact: { deviceId: string; serial: string; atMs: number; kind: ContactKind }): Promise<void>
}

/**
 * The in-process side: notes each contact, writes a device's at most once per interval. A write that fails is logged
 * once per failure and forgotten; the next contact after the interval tries again.
 */
export class DeviceContactRecorder implements DeviceContactSink {
  /** serial → when this instance last wrote it. Bounded by the registered devices (unregistered serials are dropped after the lookup). */
  private readonly written = new Map<string, number>()
  private readonly work = new Set<Promise<void>>()

  constructor(
    private readonly store: ContactStore,
    private readonly now: () => number,
    private readonly onError: (err: unknown, serial: string) => void,
    private readonly intervalMs = CONTACT_WRITE_INTERVAL_MS,
  ) {}

  heard(serial: string, kind: ContactKind): void {
    const atMs = this.now()
    const last = this.written.get(serial)
    if (last !== undefined && atMs - last < this.intervalMs) return
    this.written.set(serial, atMs)
    const write = (async () => {
      const device = await this.store.deviceOf(serial)
      if (!device) {
        // Not ours: forget it, so a stream of made-up serials cannot grow the map.
        this.written.delete(serial)
        return
      }
      await this.store.record({ deviceId: device.id, serial, atMs, kind })
    })().catch((err: unknown) => {
      this.written.delete(serial)
      this.onError(err, serial)
    })
    this.work.add(write)
    void write.finally(() => this.work.delete(write))
  }

  /** Settles when the writes begun so far have: before the database closes, and in tests. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.work])
  }
}

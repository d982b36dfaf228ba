/**
 * A Hikvision access-control terminal (门禁一体机) pushing events to a listening host (ISAPI "HTTP listening"), as the
 * firmware does: one POST per event, JSON alone or multipart with the captured face picture, the event kept until the
 * host answers 200 and pushed again otherwise. `serialNo` counts the device's events; a person's authentication is
 * major 5 with a verification minor (75: face authentication passed), a door or remote-open event is not a punch.
 */

export interface HikEvent {
  employeeNo: string | null
  /** ISO 8601 with the device's offset, e.g. 2026-11-03T07:31:12+08:00. */
  dateTime: string
  major: number
  minor: number
  attendanceStatus?: 'checkIn' | 'checkOut' | 'undefined'
  verifyMode?: string
}

/** A JPEG's first and last bytes around filler: enough to be a picture part, never stored. */
const FAKE_JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x42), Buffer.from([0xff, 0xd9])])

export class HikvisionTerminal {
  private serialNo = 0
  /** Events not yet answered 200, oldest first. */
  readonly unsent: Array<{ serialNo: number; event: HikEvent }> = []

  constructor(
    private readonly baseUrl: string,
    readonly serial: string,
    /** Push the face picture with each event (multipart), as terminals set to "upload picture" do. */
    private readonly withPicture = true,
  ) {}

  record(event: HikEvent): number {
    this.serialNo++
    this.unsent.push({ serialNo: this.serialNo, event })
    return this.serialNo
  }

  /** The event's JSON as the firmware sends it. */
  eventJson(serialNo: number, e: HikEvent): Record<string, unknown> {
    return {
      ipAddress: '10.20.0.31',
      portNo: 80,
      protocol: 'HTTP',
      macAddress: 'a4:d5:c2:10:20:31',
      channelID: 1,
      dateTime: e.dateTime,
      activePostCount: 1,
      eventType: 'AccessControllerEvent',
      eventState: 'active',
      eventDescription: 'Access Controller Event',
      AccessControllerEvent: {
        deviceName: 'Access Controller',
        majorEventType: e.major,
        subEventType: e.minor,
        ...(e.employeeNo === null ? {} : { employeeNoString: e.employeeNo, name: `worker ${e.employeeNo}`, userType: 'normal' }),
        cardReaderKind: 1,
        cardReaderNo: 1,
        verifyNo: 1,
        serialNo,
        currentVerifyMode: e.verifyMode ?? 'cardOrFace',
        attendanceStatus: e.attendanceStatus ?? 'undefined',
        frontSerialNo: serialNo - 1,
        mask: 'no',
        picturesNumber: this.withPicture ? 1 : 0,
      },
    }
  }

  /** Pushes every unsent event in order; stops at the first not answered 200. Returns how many were answered 200. */
  async pushAll(): Promise<{ acked: number; statuses: number[] }> {
    const statuses: number[] = []
    let acked = 0
    while (this.unsent.length > 0) {
      const { serialNo, event } = this.unsent[0]!
      const json = JSON.stringify(this.eventJson(serialNo, event))
      let status = 0
      try {
        const res = this.withPicture ? await this.postMultipart(json) : await fetch(this.url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
        status = res.status
        await res.text()
      } catch {
        status = 0
      }
      statuses.push(status)
      if (status !== 200) break
      this.unsent.shift()
      acked++
    }
    return { acked, statuses }
  }

  private url(): string {
    return `${this.baseUrl}/hikvision/${encodeURIComponent(this.serial)}/events`
  }

  private postMultipart(json: string): Promise<Response> {
    const boundary = 'MIME_boundary'
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="AccessControllerEvent"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\nContent-Type: image/jpeg\r\nContent-Length: ${FAKE_JPEG.length}\r\n\r\n`),
      FAKE_JPEG,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return fetch(this.url(), { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body })
  }
}

/**
 * Bounds what one MQTT packet can make the embedded broker buffer. aedes has
 * no packet-size option and its parser holds a whole packet before handing it
 * on, so a 200 MB PUBLISH would sit in memory before any rule saw it. This
 * follows the packet boundaries in the bytes aedes reads — the fixed header's
 * Remaining Length [MQTT-2.2.3], a variable byte integer [MQTT-1.5.5] — and
 * says so as soon as a header announces more than the maximum, before the
 * body arrives.
 *
 * Pure: it only counts bytes. The adapter decides what to do (drop the
 * connection, keep the refusal).
 */

export interface OversizedPacket {
  /** MQTT control packet type (3 = PUBLISH). */
  type: number
  remainingBytes: number
  /** PUBLISH only, when the bytes read so far hold it: the topic the packet claims. */
  topic?: string
  /** The bytes of this packet read so far (at most `headBytesMax`), for the record. */
  head: Buffer
}

const PUBLISH = 3

export class PacketGuard {
  /** Bytes of the current packet's body still to come. */
  private skip = 0
  private inLength = false
  private type = 0
  private length = 0
  private multiplier = 1
  private lengthBytes = 0
  private tripped = false

  constructor(
    private readonly remainingBytesMax: number,
    private readonly onOversized: (p: OversizedPacket) => void,
    private readonly headBytesMax = 1024,
  ) {}

  /** Feed every chunk in the order it was read. After it has reported once, it ignores the rest. */
  feed(chunk: Buffer): void {
    let i = 0
    while (i < chunk.length && !this.tripped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i)
        this.skip -= n
        i += n
        continue
      }
      const byte = chunk[i] as number
      if (!this.inLength) {
        this.type = byte >> 4
        this.inLength = true
        this.length = 0
        this.multiplier = 1
        this.lengthBytes = 0
        i++
        continue
      }
      this.length += (byte & 0x7f) * this.multiplier
      this.multiplier *= 128
      this.lengthBytes++
      i++
      if (byte & 0x80 && this.lengthBytes < 4) continue
      // A fifth length byte is malformed: aedes's own parser refuses it, so leave it to that.
      this.inLength = false
      if (this.length > this.remainingBytesMax) {
        this.tripped = true
        const headerStart = Math.max(0, i - 1 - this.lengthBytes)
        const head = chunk.subarray(headerStart, Math.min(chunk.length, headerStart + this.headBytesMax))
        this.onOversized({ type: this.type, remainingBytes: this.length, topic: this.type === PUBLISH ? topicOf(chunk.subarray(i)) : undefined, head: Buffer.from(head) })
        return
      }
      this.skip = this.length
    }
  }
}

/** The topic name at the start of a PUBLISH's variable header: a two-byte length and UTF-8 [MQTT-3.3.2.1]. */
function topicOf(variableHeader: Buffer): string | undefined {
  if (variableHeader.length < 2) return undefined
  const n = variableHeader.readUInt16BE(0)
  if (variableHeader.length < 2 + n) return undefined
  return variableHeader.subarray(2, 2 + n).toString('utf8')
}

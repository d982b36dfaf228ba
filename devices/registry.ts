/**
 * Every device model the service can decode, by the model name a device is
 * registered with. Adding a model: devices/README.md, "Adding a model".
 */
import type { DeviceCodec } from './codec.ts'
import { canonical } from './canonical/codec.ts'
import { dahuaAccess } from './dahua-access/codec.ts'
import { faceFr900 } from './face-fr900/codec.ts'
import { gateTs200 } from './gate-ts200/codec.ts'
import { hikvisionIsapi } from './hikvision-isapi/codec.ts'
import { zktecoAdms } from './zkteco-adms/codec.ts'

export const CODECS: ReadonlyMap<string, DeviceCodec> = new Map(
  [gateTs200, faceFr900, canonical, zktecoAdms, hikvisionIsapi, dahuaAccess].map((codec) => [codec.model, codec] as const),
)

export function codecFor(model: string): DeviceCodec | undefined {
  return CODECS.get(model)
}

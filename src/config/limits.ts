/**
 * Every limit in one place. Each is named with its unit last and says why it
 * is what it is; JSON schemas and the ingest path read them from here.
 */
export const LIMITS = {
  /** An MQTT punch frame is a few hundred bytes; anything larger is not a punch (photos stay on the device). */
  punch_payload_bytes_max: 8 * 1024,
  /** Punches committed in one SQLite transaction. Large enough to amortise the fsync, small enough to keep ack latency low. */
  ingest_batch_size_max: 2_000,
  /** Device time may lag our receipt by this much (offline replay); older records are refused as stale. */
  device_time_behind_ms_max: 400 * 24 * 3_600_000,
  /** The user id a worker is enrolled under on a site's devices (设备人员编号); devices allow 32 to 64 characters. */
  device_user_id_length_max: 64,
  /** A device's own record id / sequence number, as text. */
  record_id_length_max: 64,
  /** A bank result file: a province's biggest batch is a few thousand lines. */
  payout_file_bytes_max: 10 * 1024 * 1024,
  payout_file_lines_max: 50_000,
  /** Line errors listed for one refused payout file: enough to fix a file, not a 50,000-line dump of one systematic mistake. */
  payout_file_errors_max: 1_000,
  /** Names on bank files and ID cards (minority names in Chinese can be long). */
  person_name_length_max: 64,
  /**
   * Rows in one list response. A listing is served on the event loop that also acknowledges punches: 200 rows of
   * metadata serialise in a few milliseconds, while 1,000 rows with their payloads (153 MB) stalled PUBACKs for 2 s.
   * Clients walk longer lists page by page (`before`/`after` cursors, `Link: rel="next"`).
   */
  page_size_max: 200,
  /** Rejected inputs keep at most this much of the raw payload (the reason stays complete). */
  rejected_payload_bytes_max: 64 * 1024,
} as const

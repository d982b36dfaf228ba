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
  /**
   * A bank result file. A site's batch is a few thousand lines, but a bank's camt.054 of a province's dedicated
   * accounts can carry 100,000 transactions at about 400 bytes each (the benchmark's file, bench/bank-files.ts).
   */
  payout_file_bytes_max: 64 * 1024 * 1024,
  payout_file_lines_max: 100_000,
  /**
   * One payment line of a wage payout file (单笔代发金额): ¥1,000,000.00. Even a final settlement of several years' wages
   * (a foreman at ¥1,000 a day earns ¥365,000 a year) stays below it; a line above it is not a wage but a typo or a
   * transfer that does not belong in this account. Far below FEN_MAX so that sums of lines stay exact (kernel/money).
   */
  payout_line_amount_fen_max: 100_000_000,
  /**
   * Payout lines one project holds for one pay month, all files together. A site of 10,000 workers paid twice with
   * retries stays far below it. It bounds the reconciliation, which reads every line of the month, and with the
   * per-line maximum every sum of the month: 200,000 × ¥1,000,000 = ¥200 billion, inside FEN_MAX.
   */
  payout_lines_per_project_month_max: 200_000,
  /**
   * One construction contract (施工合同价款): ¥1 trillion, beyond the largest works ever let in one contract; its labour
   * cost and funding periods are at most the contract. Far below FEN_MAX, so sums of them stay exact.
   */
  contract_amount_fen_max: 100_000_000_000_000,
  /**
   * One wage guarantee deposit (工资保证金), cash, letter or policy: ¥10 billion, many times what any project's rate asks;
   * a thousand of them stay within FEN_MAX, so the register's sums cannot overflow.
   */
  deposit_amount_fen_max: 1_000_000_000_000,
  /** Line errors listed for one refused payout file: enough to fix a file, not a 50,000-line dump of one systematic mistake. */
  payout_file_errors_max: 1_000,
  /**
   * Payout lines (and payee names) one flag's evidence shows; the flag also carries how many lines it rests on and
   * their total in fen, and all of them are one paged listing away. 20 is a screen: enough to see the pattern (dates,
   * amounts, names) of a normal flag, which rests on one to a few lines, whole. A flag that listed every line made a
   * month paid to one card (up to payout_lines_per_project_month_max lines) one flag of 56 MB, serialised, stored and
   * masked on the event loop by every post and every run; 20 lines are about 6 KB.
   */
  flag_evidence_lines_max: 20,
  /** Names on bank files and ID cards (minority names in Chinese can be long). */
  person_name_length_max: 64,
  /**
   * Rows in one list response. A listing is served on the event loop that also acknowledges punches: 200 rows of
   * metadata serialise in a few milliseconds, while 1,000 rows with their payloads (153 MB) stalled PUBACKs for 2 s.
   * Clients walk longer lists page by page (`before`/`after` cursors, `Link: rel="next"`).
   */
  page_size_max: 200,
  /**
   * Longest one statement waits for a lock another process holds. better-sqlite3 waits on the event loop, so this is
   * also how long HTTP and MQTT keep-alives can stall per attempt; callers retry from the loop instead of waiting longer.
   */
  db_busy_wait_ms_max: 100,
  /** Back-off between the inbox's commit attempts while the database fails: first wait, and the most it grows to. */
  ingest_retry_ms_min: 25,
  ingest_retry_ms_max: 2_000,
  /**
   * Frames held in the inbox, waiting for a commit. Past it, new frames are not taken (no PUBACK, so devices and the
   * broker keep them): memory stays bounded while the database is down. A site's morning rush is a few thousand.
   */
  inbox_backlog_max: 100_000,
  /**
   * QoS 1 messages an external broker may have sent one subscriber connection and not yet had acknowledged (MQTT 5
   * Receive Maximum, §3.1.2.11.3). They wait for one commit together; connections × this stays far below
   * inbox_backlog_max, so a broker can never fill the inbox (Mosquitto otherwise sends up to 65,535 per connection).
   */
  mqtt_subscriber_in_flight_max: 1_000,
  /** /ready fails past these: ingest is not keeping up, or the database has not taken a frame for this long. */
  ready_backlog_max: 20_000,
  ready_pending_age_ms_max: 30_000,
  /** A failing database is logged at once, then again at most this often while it goes on (not once per retry). */
  db_fault_log_interval_ms: 30_000,
  /**
   * Largest MQTT packet the embedded broker reads, checked on the fixed header before the body is buffered. Above the
   * largest punch frame (punch_payload_bytes_max) so an oversized frame is still refused with a reason and kept.
   */
  mqtt_packet_bytes_max: 256 * 1024,
  /**
   * Of a publish the embedded broker refuses (another device's topic, a retained message, the wrong QoS), the first
   * bytes kept as its rejected input: enough to see what the device meant to send, too little to fill the disk.
   */
  mqtt_refused_publish_bytes_kept: 512,
  /** Refused MQTT connections and subscriptions are logged at once, then at most once this often per reason, with a count. */
  mqtt_refusal_log_interval_ms: 10_000,
  /** Largest HTTP request body except payout files (their own limit): roster and correction bodies are a few KB. */
  http_body_bytes_max: 256 * 1024,
  /**
   * A daily rate (日工资): the best-paid trades earn a few hundred to about a thousand yuan a day; ¥10,000 leaves room
   * and keeps every month's pay due (rate × 31 days × a site's workers) far inside the fen range, so no total overflows.
   */
  daily_rate_fen_max: 1_000_000,
  /**
   * PostgreSQL connections one instance holds. Ingest commits on one at a time per batch, HTTP requests take the rest;
   * four instances × 10 stay far below PostgreSQL's default max_connections (100) with room for replicas and admins.
   */
  pg_pool_max: 10,
  /** Longest wait for a PostgreSQL connection (new, or free in the pool) before the statement fails as a fault. */
  pg_connect_timeout_ms: 5_000,
  /**
   * Longest a PostgreSQL statement waits for a lock (a row another instance is inserting, an advisory lock) before it
   * fails as busy and is retried from the event loop (the inbox backs off, HTTP answers 503 database_busy): without it a
   * lock held by a stuck transaction would stall ingest without a word. Longer than SQLite's: these waits are cheap
   * (nothing blocks the event loop) and a network database's transactions take longer.
   */
  pg_lock_wait_ms_max: 5_000,
  /** A transaction left open this long by a stalled or partitioned instance is ended by PostgreSQL, releasing its locks. */
  pg_idle_in_transaction_ms_max: 60_000,
  /**
   * How often an instance checks, with a round trip, the connection on which it hears that credentials changed
   * (src/db/pg-notices.ts), and how long an answer may take before the connection counts as lost and nothing of
   * credentials is kept until it listens again. Their sum is the longest a revocation can go unseen by an instance
   * on a network that drops packets without a word; otherwise it is seen on commit.
   */
  pg_notice_heartbeat_ms: 1_000,
  pg_notice_timeout_ms: 2_000,
  /** Rows fetched per round trip when a large result is streamed (a province's month): bounded memory, few round trips. */
  pg_cursor_rows: 5_000,
  /**
   * Workers per round trip when a month is read on PostgreSQL: each row is a worker's whole month (a few hundred
   * punches), so 5,000 of them peaked the heap at 1.2 GB on a 10-million-punch month; 200 peaked at 577 MB (build 1.94 × its floor).
   */
  month_workers_per_fetch: 200,
  /** A session lives a working day; a person logs in again after it (absolute, not sliding). */
  session_ttl_ms: 12 * 3_600_000,
  /** API keys expire: a year unless the admin says otherwise, never more than two. */
  api_key_days_default: 365,
  api_key_days_max: 730,
  /** Failed logins of one login name before each further attempt waits (1 s, doubling up to login_backoff_ms_max). */
  login_failures_free: 5,
  login_backoff_ms_max: 15 * 60_000,
  /** Login attempts per client address per minute, whatever the login name. */
  login_attempts_per_minute: 20,
  /**
   * A worker's one-time sign-in code (src/access/sign-in-codes.ts) lives 30 minutes: long enough to read it off a
   * message or be told it across the site office, short enough that a code seen over a shoulder is soon worthless.
   */
  worker_code_ttl_ms: 30 * 60_000,
  /** Wrong codes tried against a worker's newest code before it is spent: 5 guesses in a million. */
  worker_code_attempts_max: 5,
  /** Wrong sign-ins for one ID suffix on a project before each further one waits (1 s doubling, up to login_backoff_ms_max). */
  worker_code_failures_free: 3,
  /** Sessions, API keys and projects' scope facts kept in memory (each; the oldest goes first): src/access/credential-cache.ts. */
  credential_cache_entries: 10_000,
  /** Reveals of full personal data per person per hour. */
  reveals_per_hour: 30,
  /**
   * Largest request body the HTTP device edge reads (src/ingest/device-http.ts): a ZKTeco ATTLOG push of a few thousand
   * records, or a Hikvision event with its picture (dropped before anything is stored). Larger is refused with 413.
   */
  device_http_body_bytes_max: 4 * 1024 * 1024,
  /** Rejected inputs keep at most this much of the raw payload (the reason stays complete). */
  rejected_payload_bytes_max: 64 * 1024,
  /**
   * Largest outside signal file (src/risk/signal-imports.ts): SIGNAL_ROWS_MAX rows of a department's CSV are about
   * 25 MB, as JSON from a data-sharing platform about twice that. A refused file is kept whole, as payout files are.
   */
  signal_file_bytes_max: 64 * 1024 * 1024,
  /** Row problems listed for one refused signal file: enough to fix it, not a dump of one systematic mistake. */
  signal_file_errors_max: 1_000,
  /** Largest complaint clue file (src/risk/clue-imports.ts): CLUE_FILE_ROWS_MAX rows of complaints of a few hundred characters are a few MB; the rest is room for long ones. A refused file is kept whole. */
  clue_file_bytes_max: 16 * 1024 * 1024,
  /** Rows of risk_scores written per statement by a risk index run: 9 parameters each, far below both engines' limits. */
  risk_scores_per_insert: 500,
} as const

"""The tables: SQLAlchemy Core schema shared by SQLite and PostgreSQL, and its version."""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa

from kondusif.timeutil import as_utc

SCHEMA_VERSION = 9  # 2: review_queue.kode_kelurahan/kode_kecamatan; 3: users.phone, sms_messages, sms_senders,
# sms_gateways, smssync_outbox, smssync_devices (issue 15), login_failures (issue 16);
# 4: smssync_phones, smssync_rate, sms_messages.gateway_phone, smssync_outbox.phone_id (issue 27)
# 5: checkins (issue 24)
# 6: rt_units.removed_at (issue 31)
# 7: outbox, workers (issue 28: typed after-commit events and the worker's heartbeat)
# 8: sms_reminders (issue 24.5: at most one SMS reminder per round and number)
# 9: import_jobs (issue 28: import checks queued by the app, run by the worker)


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type, so values are normalised to UTC before storing
    (their text then also sorts correctly); PostgreSQL gets TIMESTAMPTZ.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("report_no", sa.String(32), nullable=False, unique=True),
    sa.Column("kode_kecamatan", sa.String(8), nullable=False),
    sa.Column("kode_kelurahan", sa.String(13), nullable=False),
    sa.Column("rt", sa.Integer),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("reported_at", UTCDateTime, nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("location_approx", sa.Boolean, nullable=False, default=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("source_ref", sa.String(128)),
    sa.Column("reporter_name", sa.Text),
    sa.Column("reporter_phone", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(64)),
    sa.Column("duplicate_of", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("possible_duplicate", sa.Boolean, nullable=False, default=False),
    sa.Column("followup_to", sa.Text),
    sa.Column("followup_due", UTCDateTime),
    sa.Column("outcome", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "source_ref", name="uq_incident_source_ref"),
)
sa.Index("ix_incidents_occurred", incidents.c.occurred_at)
sa.Index("ix_incidents_kel_time", incidents.c.kode_kelurahan, incidents.c.occurred_at)
sa.Index("ix_incidents_kec_time", incidents.c.kode_kecamatan, incidents.c.occurred_at)
sa.Index("ix_incidents_status", incidents.c.status)
sa.Index("ix_incidents_created_by", incidents.c.created_by)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(32), nullable=False),  # incident, user, setting, import, ...
    sa.Column("entity_id", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16)),
    sa.Column("note", sa.Text),
    sa.Column("details", sa.Text),  # JSON
)
sa.Index("ix_audit_entity", audit_log.c.entity, audit_log.c.entity_id)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False, default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("kecamatan", sa.String(8)),
    sa.Column("kelurahan", sa.String(13)),
    sa.Column("rt", sa.Integer),
    sa.Column("password_hash", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("must_change", sa.Boolean, nullable=False, default=False),
    sa.Column("last_login", UTCDateTime),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("oidc_subject", sa.String(255), unique=True),
    sa.Column("session_epoch", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Schema 3 (issue 15): the Ketua RT's mobile (normalised +62...): an SMS from it files for this RT.
    sa.Column("phone", sa.String(24), unique=True),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(8), nullable=False),  # ISO week, e.g. 2018-W25
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # JSON
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("week", "version", name="uq_snapshot_week_version"),
)

rt_units = sa.Table(
    "rt_units",
    metadata,
    sa.Column("kode_kelurahan", sa.String(13), primary_key=True),
    sa.Column("rt", sa.Integer, primary_key=True),
    sa.Column("nama_ketua", sa.Text),
    sa.Column("telepon", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("contoh", sa.Boolean, nullable=False, default=False),
    # Issue 31: an RT a newer official list no longer has is kept (its reports and account
    # point at it) and flagged here instead of deleted; NULL = in the list in use.
    sa.Column("removed_at", UTCDateTime),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("mime", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

review_queue = sa.Table(
    "review_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("channel", sa.String(16), nullable=False),  # whatsapp, sms
    sa.Column("sent_at", UTCDateTime),
    sa.Column("sender", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("guess", sa.Text),  # JSON of what the parser could read
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, default="antri"),
    sa.Column("resolved_by", sa.String(64)),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("resolution_note", sa.Text),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Where the parser placed the message, when it could (schema 2): scoped users see theirs.
    sa.Column("kode_kelurahan", sa.String(13)),
    sa.Column("kode_kecamatan", sa.String(8)),
)
sa.Index("ix_review_queue_kec_state", review_queue.c.kode_kecamatan, review_queue.c.state)

import_mappings = sa.Table(
    "import_mappings",
    metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("mapping", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64)),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # rawan, berat
    sa.Column("kode_kecamatan", sa.String(8)),
    sa.Column("kode_kelurahan", sa.String(13)),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("dedupe_key", sa.String(128), nullable=False, unique=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("delivery_state", sa.String(16), nullable=False, default="none"),
    sa.Column("delivery_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("delivery_error", sa.Text),
)

alert_acks = sa.Table(
    "alert_acks",
    metadata,
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), primary_key=True),
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

# Issue 6: last level seen per kelurahan, so a "turned Rawan" alert fires on the change only.
alert_level_state = sa.Table(
    "alert_level_state",
    metadata,
    sa.Column("kode_kelurahan", sa.String(13), primary_key=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("since", UTCDateTime, nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
)

# Issue 16: failed logins per client address, shared by every app process (kondusif.login_throttle).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)
sa.Index("ix_login_failures_address_at", login_failures.c.address, login_failures.c.at)
sa.Index("ix_login_failures_at", login_failures.c.at)

settings_kv = sa.Table(
    "settings_kv",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64)),
)


# Issue 15 (schema 3): every SMS a gateway handed over, once per (channel, message_id), with the
# reply it got, so a repeat (gateway retry, reader restart) gets the same answer and stores nothing new.
sms_messages = sa.Table(
    "sms_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(16), nullable=False),  # gammu, smssync
    sa.Column("message_id", sa.String(128), nullable=False),
    sa.Column("sender", sa.String(32), nullable=False),  # normalised +62...
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # laporan, antrean, diabaikan
    sa.Column("username", sa.String(64)),  # the RT account the sender's number is registered to
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("queue_id", sa.Integer, sa.ForeignKey("review_queue.id")),
    sa.Column("reply_kind", sa.String(16)),  # tanda_terima, format, belum_terdaftar; NULL: no reply
    sa.Column("reply", sa.Text),
    sa.Column("gateway_phone", sa.String(64)),  # issue 27: the SMSsync phone (credential name) that carried it
    sa.UniqueConstraint("channel", "message_id", name="uq_sms_channel_message"),
)
sa.Index("ix_sms_messages_stored", sms_messages.c.stored_at)

# Issue 15: when a sender last got a help/format reply (at most one an hour: no reply loops, no spent credit).
sms_senders = sa.Table(
    "sms_senders",
    metadata,
    sa.Column("sender", sa.String(32), primary_key=True),
    sa.Column("help_sent_at", UTCDateTime, nullable=False),
)

# Issue 24.5: the SMS reminders sent to silent RT numbers, one per round and number (the unique key
# is the claim: two gateway readers never remind the same number twice in a round).
sms_reminders = sa.Table(
    "sms_reminders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("round_starts", UTCDateTime, nullable=False),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("kode_kelurahan", sa.String(13), nullable=False),
    sa.Column("rt", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("round_starts", "phone", name="uq_sms_reminder_round_phone"),
)

# Issue 15: each gateway's heartbeat and last error, for the admin page (several processes share it).
sms_gateways = sa.Table(
    "sms_gateways",
    metadata,
    sa.Column("channel", sa.String(64), primary_key=True),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("outbox_waiting", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
)

# Issue 15 (SMSsync gateway, kondusif/sms/smssync.py): replies handed to the Android phone, and each phone's state.
smssync_outbox = sa.Table(
    "smssync_outbox",
    metadata,
    sa.Column("uuid", sa.String(36), primary_key=True),
    sa.Column("in_message_id", sa.String(80), nullable=False, unique=True),  # the SMS this replies to
    sa.Column("device_id", sa.String(64)),
    sa.Column("to_number", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # menunggu, diserahkan, diantre, terkirim, gagal
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("handed_at", UTCDateTime),
    sa.Column("result_at", UTCDateTime),
    sa.Column("result_code", sa.Integer),
    sa.Column("result_message", sa.Text),
    sa.Column("phone_id", sa.Integer),  # issue 27: the phone (smssync_phones.id) whose SMS this answers
)
sa.Index("ix_smssync_outbox_state", smssync_outbox.c.state, smssync_outbox.c.created_at)

smssync_devices = sa.Table(
    "smssync_devices",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),  # "" = requests refused before a device is known
    sa.Column("last_seen_at", UTCDateTime),
    sa.Column("last_address", sa.String(64)),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
)

# Issue 27: one credential per SMSsync phone (only its SHA-256 is kept; revoked ones stay for the record),
# and the request counter per credential + client address that every app process shares.
smssync_phones = sa.Table(
    "smssync_phones",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("label", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(64)),
    sa.Column("last_used_at", UTCDateTime),
)

smssync_rate = sa.Table(
    "smssync_rate",
    metadata,
    sa.Column("key", sa.String(160), primary_key=True),  # "<phone id>|<client address>"
    sa.Column("window_start", UTCDateTime, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
)

# Issue 24 (schema 5): check-ins ("laporan aman"): an RT head saying the area is calm. Never an incident;
# one row per (channel, source_ref) so a re-sent SMS or a re-imported chat adds nothing (kondusif/checkins.py).
checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kode_kecamatan", sa.String(8), nullable=False),
    sa.Column("kode_kelurahan", sa.String(13), nullable=False),
    sa.Column("rt", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),  # when the RT said so
    sa.Column("stored_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # form, sms-gammu, smssync, chat, cli, simulasi
    sa.Column("source_ref", sa.String(128), nullable=False),
    sa.Column("account", sa.String(64)),  # identity: the sending account ...
    sa.Column("phone", sa.String(32)),  # ... or number, never shown to roles without identity
    sa.Column("sender_name", sa.Text),
    sa.Column("unlisted_rt", sa.Boolean, nullable=False, default=False),  # not in the sample registry (flagged)
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.UniqueConstraint("channel", "source_ref", name="uq_checkin_source_ref"),
)
sa.Index("ix_checkins_at", checkins.c.at)
sa.Index("ix_checkins_kel_at", checkins.c.kode_kelurahan, checkins.c.at)

# Issue 28 (schema 7): typed events recorded inside the write that caused them (kondusif/store/outbox.py),
# claimed by conditional UPDATE (a lease: claimed_until) and handled by kondusif/worker.py.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON of the event's fields
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("claimed_until", UTCDateTime),  # lease; after a failure: when it may be retried
    sa.Column("done_at", UTCDateTime),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
)
sa.Index("ix_outbox_open", outbox.c.done_at, outbox.c.claimed_until)

# The worker's heartbeat (health page: when was a worker last seen).
workers = sa.Table(
    "workers",
    metadata,
    sa.Column("worker_id", sa.String(128), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("handled", sa.Integer, nullable=False, default=0),
)

# Issue 28 (schema 9): an import check the app queued (its folder under DATA_DIR/impor holds the upload and
# task.json), claimed by a worker with a lease like the outbox, and its end (kondusif/store/outbox.py).
import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("folder", sa.String(64), nullable=False, unique=True),  # the job folder's name, not a path
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("claimed_until", UTCDateTime),  # lease, renewed while the check runs
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("outcome", sa.String(16)),  # ok, refused, cancelled
    sa.Column("message", sa.Text),  # the Indonesian refusal shown on the screen
)
sa.Index("ix_import_jobs_open", import_jobs.c.finished_at, import_jobs.c.claimed_until)

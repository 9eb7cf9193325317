-- One dialect that SQLite and PostgreSQL both accept, so the two backends cannot drift apart.
-- Times are text, 'YYYY-MM-DDTHH:MM:SS.sssZ' in UTC, always written by the database's own clock
-- (see src/store/clock.rs): that fixed shape sorts and compares as text in both databases,
-- which the lease relies on.

CREATE TABLE drains (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    -- planned, running, paused, cancelling, moving_back (active); done, failed, cancelled.
    -- No CHECK: a new state then needs no table rebuild in SQLite; the store validates on read.
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    started_by_user_name TEXT NOT NULL,
    started_by_user_id TEXT NOT NULL,
    started_by_project_id TEXT NOT NULL,
    started_by_project_name TEXT NOT NULL,
    -- JSON, opaque to the store (the plan module owns its shape).
    options TEXT NOT NULL,
    plan TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- The driver lease: which Ferry server drives this drain, and until when.
    owner TEXT,
    lease_until TEXT,
    -- Who held the lease before the last claim, so a takeover can be told apart from a renewal.
    previous_owner TEXT,
    -- The application credential the drain acts with after its starter's token expires.
    credential_id TEXT,
    -- Encrypted by the caller; the store never sees the secret in the clear.
    credential_secret BYTEA,
    credential_expires_at TEXT,
    -- Why the drain waits for someone to log in again (e.g. the credential expired); NULL if not.
    needs_login TEXT,
    -- The last timeline sequence number: bumping it locks the row, so two writers never
    -- hand out the same number.
    event_seq BIGINT NOT NULL DEFAULT 0
);

-- The database itself refuses a second active drain of one host, whichever server asks.
-- Must list the same states as DrainState::is_active (src/store/records.rs).
CREATE UNIQUE INDEX drains_one_active_per_host ON drains (host)
    WHERE state IN ('planned', 'running', 'paused', 'cancelling', 'moving_back');

CREATE INDEX drains_by_host ON drains (host, created_at);
CREATE INDEX drains_by_state ON drains (state);

CREATE TABLE drain_items (
    drain_id TEXT NOT NULL REFERENCES drains (id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL,
    -- The plan's order.
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    origin_host TEXT NOT NULL,
    planned_move TEXT NOT NULL,
    -- waiting, queued, moving, moved, failed, skipped, cancelled.
    state TEXT NOT NULL,
    destination TEXT,
    migration_id BIGINT,
    migration_uuid TEXT,
    -- Nova's x-openstack-request-id for the move, to find it in Nova's logs.
    request_id TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    detail TEXT,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (drain_id, instance_id)
);

CREATE TABLE drain_events (
    drain_id TEXT NOT NULL REFERENCES drains (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (drain_id, seq)
);

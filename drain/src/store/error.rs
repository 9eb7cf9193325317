use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused a second active drain of one host.
    #[error("this host is already being drained (drain {drain_id}, started by {started_by})")]
    HostAlreadyDraining { drain_id: Uuid, started_by: String },
    #[error("no drain {0}")]
    DrainNotFound(Uuid),
    #[error("drain {drain_id} has no instance {instance_id}")]
    ItemNotFound { drain_id: Uuid, instance_id: String },
    #[error("invalid drain record: {0}")]
    Invalid(String),
    #[error("the database URL: {0}")]
    Config(String),
    #[error("the SQLite file {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A row the store cannot read back, written by something else or by a newer Ferry.
    #[error("unreadable drain record: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A unique-constraint violation, whichever database reported it.
pub(super) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// PostgreSQL gave up on a statement that may succeed when tried again (deadlock, serialization).
pub(super) fn is_retryable(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40P01") | Some("40001")))
}

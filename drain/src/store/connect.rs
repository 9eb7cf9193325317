use super::clock::Dialect;
use super::{Result, Store, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::str::FromStr;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Opens `sqlite://path` (creating the file, mode 0600, and its directory) or
    /// `postgres://…`, and brings the schema up to date. Several servers may do this at once on
    /// one PostgreSQL: sqlx serialises migrations with an advisory lock.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (dialect, max_connections) = if url.starts_with("sqlite:") {
            prepare_sqlite_file(url)?;
            // Writers queue on SQLite's one write lock anyway; a few readers suffice.
            (Dialect::Sqlite, 4)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, 8)
        } else {
            // Only the scheme: the rest may hold a password.
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::Config(format!(
                "unsupported scheme {scheme:?}: use sqlite://PATH or postgres://…"
            )));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .connect(url)
            .await?;
        if dialect == Dialect::Sqlite {
            // WAL lets the timeline be read while the driver writes; it is a property of the
            // file, so once suffices. busy_timeout (sqlx's 5 s) makes writers wait their turn.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, dialect })
    }

    /// Which database this is: "sqlite" or "postgres", for logs and the About page.
    pub fn backend(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// Closes the pool; for tests and shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the database file before SQLite does, so that it is 0600 from its first byte: it
/// holds the drains' encrypted credentials. SQLite gives its -wal and -shm files the same mode.
fn prepare_sqlite_file(url: &str) -> Result<()> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Config(
            "an in-memory SQLite database would lose every drain on restart; give a file".into(),
        ));
    }
    let options = SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() {
        return Err(StoreError::Config("sqlite:// without a file name".into()));
    }
    let file_error = |source| StoreError::File {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(file_error)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(file_error)?;
    tighten(path).map_err(file_error)
}

/// A file made by an older Ferry or by hand may be readable by others; it should not be.
fn tighten(path: &Path) -> std::io::Result<()> {
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), "drain database was readable by others; now 0600");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

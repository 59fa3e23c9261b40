//! # Switchboard database
//!
//! One sqlx code path for SQLite (the embedded default) and PostgreSQL (the
//! production database) through `sqlx::Any`: queries use `$1` placeholders
//! (statements built with many parameters take them from [`Placeholders`]),
//! columns are plain scalars (integers, text), booleans are 0/1 integers and
//! times are epoch milliseconds, so the same SQL and migrations run on both
//! (a batch's multi-row writes add SQLite's conflict clause, [`or_fail`]).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::AnyConnection;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
pub use sqlx::{Any, AnyPool, Row};
pub use writer::{Writer, WriterConnection};

mod writer;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL `{0}` must start with sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl FromStr for Backend {
    type Err = DbError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::UnsupportedUrl(redact(url)))
        }
    }
}

impl Backend {
    /// The backend `conn` talks to.
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "SQLite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// The conflict clause for a statement that writes many rows inside a
/// transaction that fails as a whole when the statement fails: ` OR FAIL`
/// on SQLite, nothing on PostgreSQL. SQLite's default (ABORT) undoes a
/// failed statement on its own and keeps the transaction, for which it
/// first copies every page the statement changes into a statement journal
/// (a temporary file): for a batch's multi-row INSERT or UPDATE that is
/// hundreds of pages written twice over. FAIL stops at the conflict and
/// leaves the statement's earlier rows in the transaction, which the
/// caller then rolls back whole, so it needs no such copy. PostgreSQL has
/// no such clause and no such cost.
pub fn or_fail(conn: &AnyConnection) -> &'static str {
    match Backend::of(conn) {
        Backend::Sqlite => " OR FAIL",
        Backend::Postgres => "",
    }
}

/// The parameters of a statement built with many of them, in its
/// connection's form: `$1, $2, …` on PostgreSQL, anonymous `?` on SQLite.
/// SQLite finds a named parameter (`$n`) by a linear search of the
/// statement's names, once when it compiles the statement and again when
/// each value is bound, so a multi-row INSERT in `$n` form costs time
/// quadratic in its rows. Every placeholder is a parameter of its own:
/// values are bound in the order their placeholders appear, a value used
/// twice bound twice.
pub struct Placeholders {
    numbered: bool,
    used: usize,
}

impl Placeholders {
    pub fn for_connection(conn: &AnyConnection) -> Self {
        Self {
            numbered: Backend::of(conn) == Backend::Postgres,
            used: 0,
        }
    }

    /// The next parameter.
    pub fn param(&mut self) -> String {
        self.used += 1;
        if self.numbered {
            format!("${}", self.used)
        } else {
            "?".to_owned()
        }
    }

    /// The next `count` parameters, comma-separated.
    pub fn list(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| self.param())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The next `rows` × `columns` parameters as the rows of a `VALUES`
    /// list: `(?, ?), (?, ?)`.
    pub fn rows(&mut self, rows: usize, columns: usize) -> String {
        (0..rows)
            .map(|_| format!("({})", self.list(columns)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
];

/// Whether the database answers now (`SELECT 1`): `/readyz` asks it.
pub async fn answers(pool: &AnyPool) -> Result<(), String> {
    sqlx::query("SELECT 1")
        .execute(pool)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Connects, creating the SQLite file (and its directory) when missing, and
/// runs `migrator`.
pub async fn connect(url: &str, migrator: &Migrator) -> Result<AnyPool, DbError> {
    let backend: Backend = url.parse()?;
    let max_connections = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    // A SQLite connection is a file handle inside this process that nothing
    // on the way can break, so the pool need not ping it before each use (a
    // round trip to its worker thread ahead of every read). PostgreSQL's are
    // checked: a server restart leaves them dead.
    let options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(backend == Backend::Postgres);
    let pool = open(url, backend, options).await?;
    migrator.run(&pool).await?;
    Ok(pool)
}

/// A service's batch writer, beside its [`connect`] pool (already
/// migrated); see [`Writer`].
pub async fn connect_writer(url: &str) -> Result<Writer, DbError> {
    let backend: Backend = url.parse()?;
    let max_connections = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 4,
    };
    let options = AnyPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false);
    let pool = open(url, backend, options).await?;
    Ok(match backend {
        Backend::Sqlite => Writer::owning(pool.acquire().await?.detach()),
        Backend::Postgres => Writer::pooled(pool),
    })
}

async fn open(url: &str, backend: Backend, options: AnyPoolOptions) -> Result<AnyPool, DbError> {
    install_default_drivers();
    let url = match backend {
        Backend::Sqlite => sqlite_url(url)?,
        Backend::Postgres => url.to_owned(),
    };
    let pool = options
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; NORMAL sync is
                    // durable across process crashes (the WAL is fsynced at
                    // checkpoints), and busy_timeout queues writers instead
                    // of failing them.
                    for pragma in SQLITE_PRAGMAS {
                        sqlx::Executor::execute(&mut *conn, *pragma).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    Ok(pool)
}

/// Adds `mode=rwc` and creates the parent directory of a file database.
fn sqlite_url(url: &str) -> Result<String, DbError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    let parent = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent.filter(|_| path != ":memory:") {
        std::fs::create_dir_all(parent).map_err(|source| DbError::Directory {
            path: parent.display().to_string(),
            source,
        })?;
    }
    if url.contains('?') {
        Ok(url.to_owned())
    } else {
        Ok(format!("{url}?mode=rwc"))
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}://{user}:***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Admits writers. SQLite allows one writer at a time and makes the others
/// wait in its busy handler, which sleeps in growing steps (1, 2, 5, 10 …
/// 100 ms): under load that sleeping, not the work, dominates latency. So
/// SQLite writers queue here, in order, for a single permit; PostgreSQL
/// writers only contend on the rows they touch and pass freely.
#[derive(Debug, Clone)]
pub struct WriteGate(Option<std::sync::Arc<tokio::sync::Semaphore>>);

impl WriteGate {
    pub fn for_url(url: &str) -> Self {
        match url.parse::<Backend>() {
            Ok(Backend::Sqlite) => Self(Some(std::sync::Arc::new(tokio::sync::Semaphore::new(1)))),
            _ => Self(None),
        }
    }

    /// Waits for this writer's turn; the turn lasts as long as the guard.
    pub async fn enter(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        match &self.0 {
            Some(semaphore) => semaphore.acquire().await.ok(),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_postgres_and_anonymous_on_sqlite() {
        let mut postgres = Placeholders {
            numbered: true,
            used: 0,
        };
        assert_eq!(postgres.param(), "$1");
        assert_eq!(postgres.list(3), "$2, $3, $4");
        let mut sqlite = Placeholders {
            numbered: false,
            used: 0,
        };
        assert_eq!(sqlite.list(3), "?, ?, ?");
    }

    #[test]
    fn rows_of_placeholders_continue_the_numbering() {
        let mut postgres = Placeholders {
            numbered: true,
            used: 1,
        };
        assert_eq!(postgres.rows(2, 2), "($2, $3), ($4, $5)");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/sb"),
            "postgres://app:***@db:5432/sb"
        );
        let err = "mysql://u:pw@h/db"
            .parse::<Backend>()
            .unwrap_err()
            .to_string();
        assert!(!err.contains("pw"));
    }
}

//! A fresh PostgreSQL database per test, on the server that `make test`
//! starts (`SWITCHBOARD_TEST_POSTGRES_URL`). Without that variable the
//! PostgreSQL variants of tests are skipped, unless
//! `SWITCHBOARD_REQUIRE_POSTGRES=1` (set by `make test`) makes that a failure.

use sqlx::Connection;

/// True when this run must exercise PostgreSQL.
pub fn require_postgres() -> bool {
    matches!(
        std::env::var("SWITCHBOARD_REQUIRE_POSTGRES").as_deref(),
        Ok("1" | "true")
    )
}

/// Creates an empty database and returns its URL; `None` when the run has no
/// PostgreSQL (and does not require one).
pub async fn postgres_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
        assert!(
            !require_postgres(),
            "SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipping the PostgreSQL variant: SWITCHBOARD_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = format!("sb_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_owned())
        .unwrap_or(admin_url);
    Some(format!("{base}/{name}"))
}

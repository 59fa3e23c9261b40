//! A real `nats-server` with JetStream for one test: its own port and store
//! directory; it can be killed with SIGKILL and restarted on the same port
//! and store to test crash recovery.
//!
//! [`NatsServer::start_secured`] runs it as Switchboard deploys it: operator
//! mode with the services' account, a user per service and AI platform
//! accounts issued at run time (`switchboard-natsauth`); connecting without
//! credentials is refused.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::free_port;

pub struct NatsServer {
    port: u16,
    store: tempfile::TempDir,
    child: Option<Child>,
    /// The credentials and server settings of a secured server.
    auth: Option<switchboard_natsauth::Layout>,
}

impl std::fmt::Debug for NatsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsServer")
            .field("port", &self.port)
            .finish()
    }
}

/// `NATS_SERVER_BIN`, else `.tools/nats/bin/nats-server` in the workspace
/// (where `make` installs it), else `nats-server` on the PATH.
pub fn nats_server_bin() -> PathBuf {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let local = crate::workspace_root().join(".tools/nats/bin/nats-server");
    if local.exists() {
        return local;
    }
    PathBuf::from("nats-server")
}

impl NatsServer {
    pub async fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            store: tempfile::tempdir().expect("temp dir for the JetStream store"),
            child: None,
            auth: None,
        };
        server.spawn().await;
        server
    }

    /// A server that refuses clients without credentials: the deployment's
    /// keys, settings and credentials files live beside its store.
    pub async fn start_secured() -> Self {
        let store = tempfile::tempdir().expect("temp dir for the JetStream store");
        let layout = switchboard_natsauth::Layout::new(store.path().join("auth"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        switchboard_natsauth::prepare(&layout, &store.path().join("resolver"), now)
            .expect("write the bus security files");
        let mut server = Self {
            port: free_port(),
            store,
            child: None,
            auth: Some(layout),
        };
        server.spawn().await;
        server
    }

    /// The credentials file of `user` (a service's name, `admin` or
    /// `system`) of a secured server; `None` on an open one.
    pub fn creds(&self, user: &str) -> Option<PathBuf> {
        self.auth.as_ref().map(|layout| layout.creds(user))
    }

    /// What a secured server logged (permission violations among it).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.store.path().join("nats-server.log")).unwrap_or_default()
    }

    /// The auth files of a secured server (its authority among them).
    pub fn auth(&self) -> Option<&switchboard_natsauth::Layout> {
        self.auth.as_ref()
    }

    /// Options that connect as the admin user on a secured server.
    pub async fn options(&self) -> async_nats::ConnectOptions {
        match self.creds("admin") {
            Some(path) => async_nats::ConnectOptions::with_credentials_file(path)
                .await
                .expect("read the admin credentials"),
            None => async_nats::ConnectOptions::new(),
        }
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    async fn spawn(&mut self) {
        let bin = nats_server_bin();
        let mut command = Command::new(&bin);
        command
            .args(["-js", "-a", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .arg("-sd")
            .arg(self.store.path());
        if let Some(layout) = &self.auth {
            // A secured server logs to a file, so a test that meets a
            // permission violation can say which (see [`Self::log`]).
            command
                .arg("-c")
                .arg(layout.server_conf())
                .arg("-l")
                .arg(self.store.path().join("nats-server.log"));
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}); run `scripts/ensure-tools.sh` or set NATS_SERVER_BIN",
                    bin.display()
                )
            });
        self.child = Some(child);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = self.options().await.connect(self.url()).await {
                // JetStream answers once the store is recovered.
                let js = async_nats::jetstream::new(client);
                if js.query_account().await.is_ok() {
                    return;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "nats-server did not start"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGKILL: the server gets no chance to flush or say goodbye.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts again on the same port with the same store.
    pub async fn restart(&mut self) {
        self.kill().await;
        self.spawn().await;
    }

    /// A client: the admin user on a secured server.
    pub async fn client(&self) -> async_nats::Client {
        self.options()
            .await
            .connect(self.url())
            .await
            .expect("connect to nats-server")
    }
}

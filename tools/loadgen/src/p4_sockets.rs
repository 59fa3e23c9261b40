//! `p4-sockets`: what an idle customer socket costs the gateway (TARGETS.md
//! P4). Starts a system (or uses the services under `SWITCHBOARD_BIN_DIR`),
//! reads the gateway's resident memory, opens N customer sockets that only
//! say `hello`, reads it again, then has each socket open a conversation
//! (one message, answered by the built-in AI agent) and reads it a third
//! time. Reports the bytes per socket of each step over the first reading.
//!
//! The sockets stay read by a task each, so the gateway's keepalive pings are
//! answered and nothing closes them for silence while the run lasts. The
//! loadgen and the gateway each hold N sockets: run under
//! `ulimit -n` above N plus a few hundred.

use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::bench::ws_base;
use crate::system::System;
use crate::tenant::{self, QUESTION};

/// Sockets opened at once: the gateway's accept queue stays short.
const CONNECT_BATCH: usize = 200;
/// How long the memory is left to settle before each reading.
const SETTLE: Duration = Duration::from_secs(3);
/// A socket that is not welcomed, or whose message is not answered, within
/// this long fails the run.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(clap::Args)]
pub struct P4Args {
    /// Customer sockets to open.
    #[arg(long, default_value_t = 1000)]
    pub sockets: usize,
    /// Measure only idle sockets (no conversations).
    #[arg(long)]
    pub idle_only: bool,
}

/// What a socket task reports to the run.
enum Step {
    Welcomed,
    Answered,
    Failed(String),
}

pub async fn run(args: P4Args) -> anyhow::Result<()> {
    let system = System::start().await?;
    let tenant = tenant::create(&system.gateway_url, &system.operator_token).await?;
    let pid = gateway_pid().context("find the gateway process")?;
    let url = format!(
        "{}/ws/customer?widget={}",
        ws_base(&system.gateway_url)?,
        tenant.widget
    );
    tokio::time::sleep(SETTLE).await;
    let before = rss_bytes(pid)?;

    let (steps_tx, mut steps) = mpsc::unbounded_channel();
    let (talk_tx, talk) = watch::channel(0usize);
    let mut opened = 0;
    while opened < args.sockets {
        let batch = CONNECT_BATCH.min(args.sockets - opened);
        for index in opened..opened + batch {
            tokio::spawn(customer(url.clone(), index, steps_tx.clone(), talk.clone()));
        }
        opened += batch;
        expect(&mut steps, batch, "welcome").await?;
    }
    tokio::time::sleep(SETTLE).await;
    let idle = rss_bytes(pid)?;
    report("idle (hello only)", args.sockets, before, idle);

    if !args.idle_only {
        // In batches, as the sockets opened: the conversations are opened,
        // not load-tested.
        let mut talking = 0;
        while talking < args.sockets {
            let batch = CONNECT_BATCH.min(args.sockets - talking);
            talking += batch;
            talk_tx.send(talking).context("the sockets are gone")?;
            expect(&mut steps, batch, "answer").await?;
        }
        tokio::time::sleep(SETTLE).await;
        let talking = rss_bytes(pid)?;
        report("with a conversation", args.sockets, before, talking);
    }
    drop(system);
    Ok(())
}

fn report(what: &str, sockets: usize, before: u64, after: u64) {
    let per_socket = after.saturating_sub(before) as f64 / sockets as f64;
    println!(
        "p4 {what}: {sockets} sockets, gateway RSS {:.1} MiB → {:.1} MiB: {:.0} bytes ({:.1} KiB) per socket",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        per_socket,
        per_socket / 1024.0
    );
}

/// Waits for `count` sockets to report `what`.
async fn expect(
    steps: &mut mpsc::UnboundedReceiver<Step>,
    count: usize,
    what: &str,
) -> anyhow::Result<()> {
    for _ in 0..count {
        match tokio::time::timeout(STEP_TIMEOUT, steps.recv()).await {
            Ok(Some(Step::Welcomed | Step::Answered)) => {}
            Ok(Some(Step::Failed(why))) => bail!("a socket failed waiting for its {what}: {why}"),
            Ok(None) => bail!("every socket ended"),
            Err(_) => bail!("no {what} within {STEP_TIMEOUT:?}"),
        }
    }
    Ok(())
}

/// One customer: hello, then (once `talk` passes its `index`) one message
/// and its answer, then reads until the run ends.
async fn customer(
    url: String,
    index: usize,
    steps: mpsc::UnboundedSender<Step>,
    mut talk: watch::Receiver<usize>,
) {
    let result = async {
        let (mut socket, _) = tokio_tungstenite::connect_async_with_config(&url, None, true)
            .await
            .context("connect")?;
        socket
            .send(Message::text(json!({"type": "hello"}).to_string()))
            .await?;
        wait_for(&mut socket, |f| f["type"] == "welcome").await?;
        let _ = steps.send(Step::Welcomed);
        while *talk.borrow_and_update() <= index {
            tokio::select! {
                changed = talk.changed() => if changed.is_err() { return Ok(()) },
                frame = socket.next() => if frame.is_none() { bail!("closed while idle") },
            }
        }
        let client_id = uuid::Uuid::new_v4().to_string();
        socket
            .send(Message::text(
                json!({"type": "message", "client_id": client_id, "text": QUESTION}).to_string(),
            ))
            .await?;
        wait_for(&mut socket, |f| {
            f["type"] == "message" && f["message"]["author"]["role"] == "ai"
        })
        .await?;
        let _ = steps.send(Step::Answered);
        while socket.next().await.is_some() {}
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        let _ = steps.send(Step::Failed(format!("{error:#}")));
    }
}

async fn wait_for<S>(socket: &mut S, wanted: impl Fn(&Value) -> bool) -> anyhow::Result<()>
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    while let Some(message) = socket.next().await {
        if let Message::Text(text) = message? {
            let frame: Value = serde_json::from_str(text.as_str())?;
            if frame["type"] == "error" {
                bail!("error frame: {frame}");
            }
            if wanted(&frame) {
                return Ok(());
            }
        }
    }
    bail!("the socket ended")
}

/// The gateway this process started: a child named `switchboard-gateway`.
fn gateway_pid() -> anyhow::Result<u32> {
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm is cut at 15 bytes.
        let Some((comm, rest)) = stat.split_once(") ") else {
            continue;
        };
        let parent = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if comm.ends_with("(switchboard-gat") && parent == Some(me) {
            return Ok(pid);
        }
    }
    bail!("no switchboard-gateway child of this process")
}

/// Resident memory of `pid` (`VmRSS`).
fn rss_bytes(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib * 1024)
}

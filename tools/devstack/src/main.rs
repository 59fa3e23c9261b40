//! `make run`: the whole system on one machine, in the foreground.
//!
//! Starts `nats-server` (unless one already answers at `NATS_URL`), every
//! service as its own process, waits until each is ready, seeds the demo
//! tenant (`SWITCHBOARD_DEMO=1`), prints the URLs, and on Ctrl-C / SIGTERM
//! stops everything in reverse order. If any process dies, it stops the rest
//! and exits non-zero rather than limp on.
//!
//! With `SWITCHBOARD_DEVSTACK_READY_LINE=1` it also prints one line
//! `SWITCHBOARD_READY {json}` that tests parse.

mod demo;
mod processes;
mod signin_site;

use std::path::PathBuf;

use anyhow::Context;
use switchboard_runtime::config::Vars;

use crate::processes::Stack;
use switchboard_gateway::config::{SECRET_KEY, SECRET_KEY_FILE};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let vars = Vars::from_env();
    let data_dir = PathBuf::from(vars.string("SWITCHBOARD_DATA_DIR", "./.data"));
    // Owner-only: it holds the bus's keys and credentials, the secret key and
    // the printed tokens.
    switchboard_natsauth::files::secret_dir(&data_dir)
        .with_context(|| format!("create the data dir {}", data_dir.display()))?;
    let data_dir = data_dir.canonicalize()?;
    let operator_token = operator_token(&vars, &data_dir)?;
    let mut vars = vars;
    if let Some(file) = secret_key_file(&vars, &data_dir)? {
        vars.set(SECRET_KEY_FILE, file.display().to_string());
    }

    let mut stack = Stack::new(vars.clone(), data_dir.clone(), operator_token.clone());
    let started = tokio::select! {
        result = stack.start() => result,
        () = switchboard_runtime::shutdown::signal() => Err(anyhow::anyhow!("interrupted while starting")),
    };
    if let Err(error) = started {
        stack.stop().await;
        return Err(error);
    }

    let gateway = stack.gateway_url();
    let demo = if vars.get("SWITCHBOARD_DEMO").unwrap_or("0") == "1" {
        let mut demo = demo::ensure(&gateway, &operator_token, &data_dir).await?;
        let sign_in_addr = vars.string("SWITCHBOARD_DEMO_SIGN_IN_ADDR", "127.0.0.1:8090");
        let sign_in_url =
            signin_site::start(&sign_in_addr, demo.identity_secret.clone(), gateway.clone())
                .await?;
        demo::use_sign_in_page(&gateway, &mut demo, sign_in_url).await?;
        Some(demo)
    } else {
        None
    };
    print_banner(&stack, &operator_token, demo.as_ref());
    if vars.flag("SWITCHBOARD_DEVSTACK_READY_LINE") {
        let line = serde_json::json!({
            "gateway": gateway,
            "nats": stack.nats_url(),
            "operator_token": operator_token,
            "demo": demo,
        });
        println!("SWITCHBOARD_READY {line}");
    }

    let outcome = tokio::select! {
        () = switchboard_runtime::shutdown::signal() => Ok(()),
        died = stack.wait_for_exit() => Err(anyhow::anyhow!("{died} exited unexpectedly; stopping everything")),
    };
    println!("stopping…");
    stack.stop().await;
    outcome
}

/// `SWITCHBOARD_OPERATOR_TOKEN`, or one generated once (long enough for the
/// gateway, which refuses short ones) and kept in the data dir.
fn operator_token(vars: &Vars, data_dir: &std::path::Path) -> anyhow::Result<String> {
    if let Some(token) = vars.get("SWITCHBOARD_OPERATOR_TOKEN") {
        switchboard_gateway::config::check_operator_token(token)
            .map_err(|reason| anyhow::anyhow!("SWITCHBOARD_OPERATOR_TOKEN: {reason}"))?;
        return Ok(token.to_owned());
    }
    let path = data_dir.join("operator_token");
    if let Ok(token) = std::fs::read_to_string(&path)
        && !token.trim().is_empty()
    {
        return Ok(token.trim().to_owned());
    }
    let token = switchboard_gateway::auth::new_secret("sb_op_");
    switchboard_natsauth::files::write_secret(&path, token.as_bytes())
        .with_context(|| format!("write {}", path.display()))?;
    Ok(token)
}

/// The gateway's secret key: `SWITCHBOARD_SECRET_KEY` or `_FILE` as given
/// (checked here, so a bad one stops the start before anything runs), or a
/// key generated once into `{data dir}/keys/secret_key` (the folder 0700, the
/// file 0600), whose path is returned for the gateway. The key must outlive
/// restarts: the JetStream store beside it holds what it sealed.
fn secret_key_file(vars: &Vars, data_dir: &std::path::Path) -> anyhow::Result<Option<PathBuf>> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

    if vars.get(SECRET_KEY).is_some() || vars.get(SECRET_KEY_FILE).is_some() {
        switchboard_gateway::config::secret_keys(vars)?;
        return Ok(None);
    }
    let dir = data_dir.join("keys");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("create {}", dir.display()))?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    let file = dir.join("secret_key");
    if !file.exists() {
        let key = switchboard_gateway::secrets::SecretKey::generate();
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .with_context(|| format!("create {}", file.display()))?;
        std::io::Write::write_all(&mut out, format!("{}\n", key.to_hex()).as_bytes())?;
    }
    // Read back the way the gateway will, so a damaged file is named now.
    let check = Vars::from_pairs([(SECRET_KEY_FILE, file.display().to_string())]);
    switchboard_gateway::config::secret_keys(&check)?;
    Ok(Some(file))
}

fn print_banner(stack: &Stack, operator_token: &str, demo: Option<&demo::Demo>) {
    let gateway = stack.gateway_url();
    println!();
    println!("Switchboard is running.");
    if let Some(demo) = demo {
        println!();
        println!(
            "  Chat with the demo AI agent:   {gateway}/support/{}",
            demo.support_widget
        );
        println!(
            "  …as a signed-in customer:     {gateway}/support/{}?token={}",
            demo.support_widget, demo.customer_token
        );
        println!("  The demo site's sign-in page: {}", demo.sign_in_url);
        println!(
            "  Agent console (Alex):         {gateway}/console?token={}",
            demo.agent_token
        );
        println!(
            "  Admin console:                {gateway}/admin#tenant={}&token={}",
            demo.tenant, demo.admin_token
        );
        println!("  Demo tenant id:               {}", demo.tenant);
        println!("  Demo admin token:             {}", demo.admin_token);
    }
    println!();
    println!("  Gateway (HTTP + WebSocket):   {gateway}");
    println!("  API description:              {gateway}/api/v1/openapi.json");
    println!("  Operator token:               {operator_token}");
    println!("  NATS:                         {}", stack.nats_url());
    for (name, url) in stack.health_urls() {
        println!("  {name:<30}{url}/readyz");
    }
    if let Some(auth) = stack.auth() {
        println!();
        println!("  The bus is secured: connecting without credentials is refused.");
        println!(
            "  Its files (0600, in a 0700 dir): {}  (admin.creds: every right, for tools)",
            auth.dir.display()
        );
        let tenant = demo.map_or("{tenant}", |d| d.tenant.as_str());
        println!("  An AI platform gets its own credentials from the API (a site admin's token):");
        println!(
            "    curl -X POST -H 'Authorization: Bearer <admin token>' \\\n      {gateway}/api/v1/tenants/{tenant}/ai-platform-credentials"
        );
        println!(
            "  → {{nats_url, creds}}: save `creds` as a .creds file, subscribe to \
             switchboard.ai.request.{tenant}.>, publish to switchboard.ai.reply.{tenant}"
        );
    }
    println!();
    println!("Press Ctrl-C to stop.");
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn without_a_key_one_is_generated_once_readable_only_by_its_owner() {
        let data = tempfile::tempdir().unwrap();
        let file = secret_key_file(&Vars::default(), data.path())
            .unwrap()
            .expect("a generated key file");
        assert_eq!(file, data.path().join("keys/secret_key"));
        assert_eq!((mode(&file), mode(file.parent().unwrap())), (0o600, 0o700));
        let key = std::fs::read_to_string(&file).unwrap();
        assert!(switchboard_gateway::secrets::SecretKey::parse(&key).is_ok());
        // A restart keeps it: the store beside it holds what it sealed.
        secret_key_file(&Vars::default(), data.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), key);
    }

    #[test]
    fn a_given_key_is_checked_and_passed_on_as_it_is() {
        let data = tempfile::tempdir().unwrap();
        let given = Vars::from_pairs([(SECRET_KEY, "ab".repeat(32))]);
        assert_eq!(secret_key_file(&given, data.path()).unwrap(), None);
        assert!(!data.path().join("keys").exists());
        let bad = Vars::from_pairs([(SECRET_KEY, "not-a-key")]);
        let error = secret_key_file(&bad, data.path()).unwrap_err().to_string();
        assert!(error.starts_with("SWITCHBOARD_SECRET_KEY:"), "{error}");
    }
}

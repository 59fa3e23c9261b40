//! Bus security against a real nats-server in operator mode: who may
//! connect, what each service's user may do, and how far an AI platform's
//! account reaches.

use std::time::Duration;

use futures::StreamExt;
use switchboard_natsauth::Authority;
use switchboard_testkit::NatsServer;
use tokio::sync::mpsc;

/// A client as `user`, and the permission violations the server reports to it.
async fn connect_as(
    server: &NatsServer,
    creds: &str,
) -> (async_nats::Client, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = async_nats::ConnectOptions::with_credentials(creds)
        .unwrap()
        .event_callback(move |event| {
            let tx = tx.clone();
            async move {
                if let async_nats::Event::ServerError(error) = event {
                    let _ = tx.send(error.to_string());
                }
            }
        })
        .connect(server.url())
        .await
        .unwrap();
    (client, rx)
}

fn creds_of(server: &NatsServer, user: &str) -> String {
    std::fs::read_to_string(server.creds(user).unwrap()).unwrap()
}

async fn next_violation(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("the server reports a violation")
        .expect("the client is open")
}

/// Publishes once on `subject` and waits up to `wait` for it to reach
/// `sub` (messages on other subjects, left from earlier checks, are skipped).
async fn delivered_within(
    wait: Duration,
    publisher: &async_nats::Client,
    sub: &mut async_nats::Subscriber,
    subject: &str,
) -> bool {
    publisher
        .publish(subject.to_owned(), "hello".into())
        .await
        .unwrap();
    publisher.flush().await.unwrap();
    let wanted = async {
        while let Some(message) = sub.next().await {
            if message.subject.as_str() == subject {
                return;
            }
        }
        std::future::pending::<()>().await;
    };
    tokio::time::timeout(wait, wanted).await.is_ok()
}

/// Whether a message on `subject` reaches `sub` within 10 s. A flush only
/// writes to the socket: the server may read a new subscription after
/// another connection's publish, so the message is sent again until one
/// arrives (or the time is up).
async fn arrives(
    publisher: &async_nats::Client,
    sub: &mut async_nats::Subscriber,
    subject: &str,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if delivered_within(Duration::from_millis(200), publisher, sub, subject).await {
            return true;
        }
    }
    false
}

/// Whether nothing on `subject` reaches `sub` in half a second, once its
/// subscription has carried a message (the refusals themselves are proven
/// by the violations the server reports).
async fn stays_away(
    publisher: &async_nats::Client,
    sub: &mut async_nats::Subscriber,
    subject: &str,
) -> bool {
    !delivered_within(Duration::from_millis(500), publisher, sub, subject).await
}

#[tokio::test]
async fn a_client_without_credentials_is_refused() {
    let server = NatsServer::start_secured().await;
    let refused = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .connect(server.url())
        .await;
    let error = refused
        .expect_err("an anonymous client is refused")
        .to_string();
    assert!(error.contains("authorization"), "{error}");
}

#[tokio::test]
async fn a_service_user_is_refused_outside_its_permissions() {
    let server = NatsServer::start_secured().await;
    let admin = server.client().await;
    let (bridge, mut violations) = connect_as(&server, &creds_of(&server, "ai-bridge")).await;

    // Its own subjects pass: the AI bridge publishes AI requests.
    let mut requests = admin.subscribe("switchboard.ai.request.>").await.unwrap();
    assert!(arrives(&bridge, &mut requests, "switchboard.ai.request.acme.bot").await);

    // Committed events are the transcript's to publish, not the bridge's.
    let mut events = admin.subscribe("sb.evt.>").await.unwrap();
    assert!(stays_away(&bridge, &mut events, "sb.evt.acme.c1").await);
    assert!(next_violation(&mut violations).await.contains("Publish"));

    // Nor may it write the configuration (tokens, identity secrets).
    let mut config = admin.subscribe("$KV.SB_CONFIG.>").await.unwrap();
    assert!(stays_away(&bridge, &mut config, "$KV.SB_CONFIG.token.x").await);
    assert!(next_violation(&mut violations).await.contains("Publish"));

    // Nor read another service's replies.
    let _ = bridge.subscribe("_INBOX.gateway.>").await.unwrap();
    assert!(
        next_violation(&mut violations)
            .await
            .contains("Subscription")
    );
}

#[tokio::test]
async fn every_service_user_is_refused_what_belongs_to_another() {
    let server = NatsServer::start_secured().await;
    // A subject each service must not publish: its neighbour's output.
    let foreign = [
        ("gateway", "sb.evt.acme.c1"),
        ("ai-bridge", "sb.decision.acme.c1"),
        ("router", "sb.evt.acme.c1"),
        ("timer", "switchboard.ai.request.acme.bot"),
        ("transcript", "sb.agent.acme.a1"),
        ("work-item", "sb.cmd.acme.c1"),
    ];
    for (service, subject) in foreign {
        let (client, mut violations) = connect_as(&server, &creds_of(&server, service)).await;
        client.publish(subject, "forged".into()).await.unwrap();
        let violation = next_violation(&mut violations).await;
        assert!(
            violation.contains("Publish") && violation.contains(subject),
            "{service}: {violation}"
        );
        if service != "gateway" {
            client
                .publish("$KV.SB_CONFIG.token.x", "grant".into())
                .await
                .unwrap();
            let violation = next_violation(&mut violations).await;
            assert!(violation.contains("SB_CONFIG"), "{service}: {violation}");
        }
        let other = if service == "gateway" {
            "router"
        } else {
            "gateway"
        };
        let _ = client.subscribe(format!("_INBOX.{other}.>")).await.unwrap();
        let violation = next_violation(&mut violations).await;
        assert!(violation.contains("Subscription"), "{service}: {violation}");
    }
}

#[tokio::test]
async fn an_ai_platform_reaches_its_tenants_subjects_and_nothing_else() {
    let server = NatsServer::start_secured().await;
    let authority = Authority::load(&server.auth().unwrap().authority()).unwrap();
    let admin = server.client().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let acme = authority.issue_platform("acme", now).unwrap();
    let globex = authority.issue_platform("globex", now).unwrap();
    authority
        .push(&server.url(), &acme.account_jwt)
        .await
        .unwrap();
    authority
        .push(&server.url(), &globex.account_jwt)
        .await
        .unwrap();
    let (platform, mut violations) = connect_as(&server, &acme.creds).await;
    let (other, _) = connect_as(&server, &globex.creds).await;

    // Its tenant's requests reach it; another tenant's reach the other.
    let mut mine = platform
        .subscribe("switchboard.ai.request.acme.>")
        .await
        .unwrap();

    let mut theirs = other
        .subscribe("switchboard.ai.request.globex.>")
        .await
        .unwrap();
    assert!(arrives(&admin, &mut mine, "switchboard.ai.request.acme.bot").await);
    assert!(stays_away(&admin, &mut mine, "switchboard.ai.request.globex.bot").await);
    assert!(arrives(&admin, &mut theirs, "switchboard.ai.request.globex.bot").await);
    assert!(stays_away(&admin, &mut theirs, "switchboard.ai.request.acme.bot").await);

    // Its replies and handoffs reach the services; another tenant's and
    // internal subjects do not.
    let mut replies = admin.subscribe("switchboard.ai.>").await.unwrap();
    assert!(arrives(&platform, &mut replies, "switchboard.ai.reply.acme").await);
    assert!(arrives(&platform, &mut replies, "switchboard.ai.handoff.acme").await);
    assert!(stays_away(&platform, &mut replies, "switchboard.ai.reply.globex").await);
    assert!(next_violation(&mut violations).await.contains("Publish"));
    let mut internal = admin.subscribe("sb.>").await.unwrap();
    assert!(stays_away(&platform, &mut internal, "sb.cmd.acme.c1").await);
    assert!(next_violation(&mut violations).await.contains("Publish"));
    // Subscribing to another tenant's requests is refused outright.
    let _ = platform
        .subscribe("switchboard.ai.request.globex.>")
        .await
        .unwrap();
    assert!(
        next_violation(&mut violations)
            .await
            .contains("Subscription")
    );
    let _ = platform.subscribe("sb.>").await.unwrap();
    assert!(
        next_violation(&mut violations)
            .await
            .contains("Subscription")
    );
}

#[tokio::test]
async fn a_revoked_platform_account_is_disconnected_and_refused() {
    let server = NatsServer::start_secured().await;
    let authority = Authority::load(&server.auth().unwrap().authority()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issued = authority.issue_platform("acme", now).unwrap();
    authority
        .push(&server.url(), &issued.account_jwt)
        .await
        .unwrap();
    let (platform, _) = connect_as(&server, &issued.creds).await;
    platform.flush().await.unwrap();

    let revoked = authority
        .revoke_platform("acme", &issued.account, now)
        .unwrap();
    authority.push(&server.url(), &revoked).await.unwrap();
    switchboard_testkit::eventually(
        "the revoked user's disconnection",
        Duration::from_secs(5),
        || async {
            (platform.connection_state() != async_nats::connection::State::Connected).then_some(())
        },
    )
    .await;
    let again = async_nats::ConnectOptions::with_credentials(&issued.creds)
        .unwrap()
        .connection_timeout(Duration::from_secs(2))
        .connect(server.url())
        .await;
    assert!(again.is_err(), "revoked credentials are refused");
}

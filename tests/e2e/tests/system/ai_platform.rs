//! An external AI platform on the secured bus (CONTRACT.md §4): a site admin
//! gets its credentials from the API, it answers its tenant's customers, it
//! sees nothing of another tenant, a reissue cuts the old credentials off,
//! and nobody connects without credentials.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use switchboard_contracts::Message;
use switchboard_contracts::v1::{AiReply, AiRequest};
use switchboard_e2e::admin::{AiTenant, ai_tenant, call};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;

/// Makes the tenant's AI agent external and issues its platform's credentials.
async fn external_platform(system: &System, tenant: &AiTenant) -> Value {
    let http = reqwest::Client::new();
    let base = format!("{}/api/v1/tenants/{}", system.gateway_url(), tenant.id);
    let (status, agent) = call(
        http.patch(format!("{base}/ai-agents/{}", tenant.ai_agent))
            .bearer_auth(&tenant.admin_token),
        Some(json!({"kind": "external"})),
    )
    .await;
    assert_eq!(status, 200, "{agent}");
    let (status, issued) = call(
        http.post(format!("{base}/ai-platform-credentials"))
            .bearer_auth(&tenant.admin_token),
        None,
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    issued
}

async fn connect(issued: &Value) -> async_nats::Client {
    async_nats::ConnectOptions::with_credentials(issued["creds"].as_str().unwrap())
        .unwrap()
        .connect(issued["nats_url"].as_str().unwrap())
        .await
        .expect("the platform connects with its credentials")
}

#[tokio::test]
async fn an_ai_platform_answers_its_tenant_with_issued_credentials_and_nothing_more() {
    let system = System::start().await;
    let acme = ai_tenant(&system, "standard").await;
    let globex = ai_tenant(&system, "standard").await;
    let acme_issued = external_platform(&system, &acme).await;
    let globex_issued = external_platform(&system, &globex).await;
    assert_eq!(
        acme_issued["subjects"]["requests"],
        format!("switchboard.ai.request.{}.>", acme.id)
    );
    let platform = connect(&acme_issued).await;
    let other = connect(&globex_issued).await;
    // Acme's platform keeps its requests in a stream of its own account, so
    // none is lost while it is away, and reads them with a durable consumer.
    let js = async_nats::jetstream::new(platform.clone());
    let stream = js
        .create_stream(async_nats::jetstream::stream::Config {
            name: "REQUESTS".into(),
            subjects: vec![format!("switchboard.ai.request.{}.>", acme.id)],
            ..Default::default()
        })
        .await
        .expect("the platform creates a stream in its own account");
    let consumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some("answerer".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut requests = consumer.messages().await.unwrap();
    let mut others = other
        .subscribe(format!("switchboard.ai.request.{}.>", globex.id))
        .await
        .unwrap();
    // A JetStream API call is answered after the server has read the
    // subscription before it: Globex's platform listens from here on.
    async_nats::jetstream::new(other.clone())
        .query_account()
        .await
        .expect("a platform account has JetStream of its own");

    // A customer of Acme asks; Acme's platform gets the request.
    let mut customer =
        Customer::hello(&system.ws_url(), &acme.widget, json!({"type": "hello"})).await;
    customer.say("c-1", "Where is my order?").await;
    let request = tokio::time::timeout(Duration::from_secs(10), requests.next())
        .await
        .expect("the platform gets the request")
        .unwrap()
        .unwrap();
    request.ack().await.unwrap();
    let request = AiRequest::decode(request.payload.clone()).unwrap();
    assert_eq!(request.message.as_ref().unwrap().text, "Where is my order?");

    // It answers as a JetStream publish: acknowledged once stored.
    let reply = AiReply {
        tenant: acme.id.clone(),
        conversation: request.conversation.clone(),
        text: "It ships tomorrow.".into(),
        request_id: request.request_id.clone(),
    };
    let ack = platform
        .request(
            format!("switchboard.ai.reply.{}", acme.id),
            reply.encode_to_vec().into(),
        )
        .await
        .expect("the reply is acknowledged");
    let ack: Value = serde_json::from_slice(&ack.payload).unwrap();
    assert_eq!(ack["stream"], "SB_AI", "{ack}");
    let answer = customer.expect_message_from("ai").await;
    assert_eq!(answer["text"], "It ships tomorrow.");

    // Globex's platform saw nothing of it.
    assert!(
        tokio::time::timeout(Duration::from_millis(500), others.next())
            .await
            .is_err(),
        "another tenant's platform gets no request"
    );

    // A reissue cuts the earlier credentials off.
    let reissued = external_platform(&system, &acme).await;
    switchboard_testkit::eventually(
        "the old credentials' disconnection",
        Duration::from_secs(5),
        || async {
            (platform.connection_state() != async_nats::connection::State::Connected).then_some(())
        },
    )
    .await;
    let refused =
        async_nats::ConnectOptions::with_credentials(acme_issued["creds"].as_str().unwrap())
            .unwrap()
            .connection_timeout(Duration::from_secs(2))
            .connect(acme_issued["nats_url"].as_str().unwrap())
            .await;
    assert!(refused.is_err(), "the old credentials are refused");
    connect(&reissued).await;

    // And nobody connects without credentials.
    let anonymous = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .connect(acme_issued["nats_url"].as_str().unwrap())
        .await;
    assert!(
        anonymous.is_err(),
        "a client without credentials is refused"
    );
    assert_eq!(system.bus_violations(), Vec::<String>::new());
}

//! A parked command replayed to its original subject and then processed;
//! one the transcript parked itself, shown and dropped.

use std::time::Duration;

use async_nats::HeaderMap;
use serde_json::{Value, json};
use switchboard_contracts::Message as _;
use switchboard_contracts::streams::{self, consumers};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::conversation_command::Command;
use switchboard_contracts::v1::{Author, ConversationCommand, PostMessage, Role};
use switchboard_e2e::admin::{self, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::system::System;
use switchboard_testkit::eventually;

use super::switchboard;

/// Copies `command` into `SB_PARKED` as the transcript's consumer would
/// after giving up on it; returns its sequence there.
async fn park(js: &async_nats::jetstream::Context, command: &ConversationCommand) -> u64 {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", command.command_id.as_str());
    headers.insert(
        "Switchboard-Parked-Reason",
        "gave up after 5 attempts: the database is unavailable",
    );
    let original = format!("sb.cmd.{}.{}", command.tenant, command.conversation);
    headers.insert("Switchboard-Original-Subject", original.as_str());
    let parked = subjects::parked(streams::COMMANDS, consumers::TRANSCRIPT_COMMANDS);
    js.publish_with_headers(parked, headers, command.encode_to_vec().into())
        .await
        .expect("publish")
        .await
        .expect("SB_PARKED stored it")
        .sequence
}

/// Publishes bytes that are no command to `subject` under `msg_id`.
async fn publish_raw(js: &async_nats::jetstream::Context, subject: &str, msg_id: &str) {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
    js.publish_with_headers(subject.to_owned(), headers, "not a command".into())
        .await
        .expect("publish")
        .await
        .expect("SB_COMMANDS stored it");
}

fn post(
    tenant: &str,
    conversation: &str,
    author: &Value,
    client_id: &str,
    text: &str,
) -> ConversationCommand {
    ConversationCommand {
        tenant: tenant.to_owned(),
        conversation: conversation.to_owned(),
        at_ms: 1,
        command_id: format!("post:{conversation}:{client_id}"),
        command: Some(Command::Post(PostMessage {
            author: Some(Author {
                role: Role::Customer as i32,
                id: author["id"].as_str().unwrap_or_default().to_owned(),
                name: author["name"].as_str().unwrap_or_default().to_owned(),
            }),
            text: text.to_owned(),
            client_id: client_id.to_owned(),
            start: None,
        })),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parked_command_replayed_by_the_cli_is_processed_and_leaves_the_parked_stream() {
    let system = System::start().await;
    let tenant = ai_tenant(&system, "standard").await;
    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("c-1", "how do i reset my password").await;
    let conversation = customer.expect("conversation").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    customer.expect_message_from("ai").await;
    let first = admin::transcript(&system, &tenant, &conversation).await;
    let author = first[0]["author"].clone();

    let creds = system.nats.creds("admin").expect("a secured bus");
    let nats = async_nats::ConnectOptions::with_credentials_file(creds)
        .await
        .expect("admin credentials")
        .connect(system.nats.url())
        .await
        .expect("connect as admin");
    let js = async_nats::jetstream::new(nats);
    let text = "what is your refund policy?";
    let command = post(&tenant.id, &conversation, &author, "c-parked", text);
    let original = format!("sb.cmd.{}.{conversation}", tenant.id);

    // The valid post as its consumer would have parked it; then bytes that
    // are no command published under the post's message id, so that id is in
    // SB_COMMANDS' duplicate window as after a first publish, and ahead of the
    // replay in the conversation's lane.
    let seq = park(&js, &command).await;
    publish_raw(&js, &original, &command.command_id).await;
    // More such bytes, which the transcript parks itself.
    publish_raw(&js, &original, "poison-1").await;
    let poison = eventually(
        "the transcript parks the poison",
        Duration::from_secs(10),
        || async {
            let listed = switchboard(
                &system,
                &[
                    "parked",
                    "list",
                    "--consumer",
                    "transcript-commands",
                    "--json",
                ],
            )
            .await
            .json();
            // Both undecodable publishes are parked, each under an id of
            // its own; "poison-1" went second on the conversation's lane.
            let others: Vec<_> = listed["parked"]
                .as_array()?
                .iter()
                .filter(|p| p["seq"] != seq)
                .cloned()
                .collect();
            (others.len() == 2)
                .then(|| others.into_iter().max_by_key(|p| p["seq"].as_u64()))
                .flatten()
        },
    )
    .await;
    assert_eq!(poison["stream"], streams::COMMANDS);
    assert_eq!(poison["original_subject"], original.as_str());
    assert!(
        poison["reason"].as_str().unwrap().contains("undecodable"),
        "{poison}"
    );
    let poison = poison["seq"].as_u64().unwrap();
    let shown = switchboard(&system, &["parked", "show", &poison.to_string(), "--json"])
        .await
        .json();
    assert_eq!(shown["payload"], "not a command");
    // The copy has an id of its own per consumer; the original is kept.
    assert_eq!(
        shown["headers"]["Switchboard-Original-Msg-Id"],
        json!(["poison-1"])
    );
    assert_eq!(
        shown["headers"]["Nats-Msg-Id"],
        json!(["poison-1:parked:SB_COMMANDS:transcript-commands"])
    );

    let listed = switchboard(
        &system,
        &["parked", "list", "--stream", "SB_COMMANDS", "--json"],
    )
    .await
    .json();
    let entry = listed["parked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["seq"] == seq)
        .unwrap_or_else(|| panic!("{seq} is not listed: {listed}"))
        .clone();
    assert_eq!(entry["consumer"], consumers::TRANSCRIPT_COMMANDS);
    assert_eq!(entry["original_subject"], original.as_str());
    assert!(
        entry["reason"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 5 attempts")
    );

    let replayed = switchboard(&system, &["parked", "replay", &seq.to_string(), "--json"])
        .await
        .json();
    assert_eq!(replayed["stream"], streams::COMMANDS);
    assert_eq!(replayed["duplicate"], false);
    let dropped_run = switchboard(&system, &["parked", "drop", &poison.to_string()]).await;
    assert!(dropped_run.ok, "{}", dropped_run.stderr);

    // The replayed post reaches the customer and the AI answers it.
    let echo = customer.expect_message_from("customer").await;
    assert_eq!(
        (echo["client_id"].as_str(), echo["text"].as_str()),
        (Some("c-parked"), Some(text))
    );
    assert_eq!(
        customer.expect_message_from("ai").await["text"],
        "Full refunds within 30 days."
    );
    let stored = eventually(
        "the replayed post in the transcript",
        Duration::from_secs(10),
        || async {
            let messages = admin::transcript(&system, &tenant, &conversation).await;
            (messages.len() == 4).then_some(messages)
        },
    )
    .await;
    assert_eq!(stored[2]["client_id"], "c-parked");

    for gone in [seq, poison] {
        let shown = switchboard(&system, &["parked", "show", &gone.to_string()]).await;
        assert!(
            !shown.ok && shown.stderr.contains("no parked message"),
            "{}",
            shown.stderr
        );
    }
    let after = switchboard(&system, &["parked", "list", "--json"])
        .await
        .json();
    let left: Vec<u64> = after["parked"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["seq"].as_u64())
        .collect();
    assert!(!left.contains(&seq) && !left.contains(&poison), "{after}");

    let decisions = switchboard(
        &system,
        &[
            "decisions",
            &tenant.id,
            &conversation,
            "--token",
            &tenant.admin_token,
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(decisions, json!({"decisions": []}));
}

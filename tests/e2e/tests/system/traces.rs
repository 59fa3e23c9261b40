//! Traces (docs/operations.md, Traces): every service exports its spans over
//! OTLP to a real receiver, Arize Phoenix, and one customer message is one
//! trace, from the gateway's socket through the transcript and the AI agent
//! and back to the socket that shows the answer.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard_e2e::admin::{PASSWORD_ANSWER, ai_tenant};
use switchboard_e2e::customer::Customer;
use switchboard_e2e::phoenix::Phoenix;
use switchboard_e2e::system::System;

/// The Phoenix project the spans go to: Phoenix files spans by the resource
/// attribute `openinference.project.name`, which the services only send
/// because they pass `OTEL_RESOURCE_ATTRIBUTES` on.
const PROJECT: &str = "switchboard-e2e";
/// How long the spans may take to arrive after the answer did (they are
/// sent every 100 ms here).
const SPANS_WITHIN: Duration = Duration::from_secs(30);

/// One span as Phoenix gives it back.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    trace_id: String,
    span_id: String,
    parent_id: Option<String>,
    attributes: Value,
}

impl Span {
    fn of(value: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        Self {
            name: text(&value["name"]),
            trace_id: text(&value["context"]["trace_id"]),
            span_id: text(&value["context"]["span_id"]),
            parent_id: value["parent_id"].as_str().map(str::to_owned),
            attributes: value["attributes"].clone(),
        }
    }

    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(Value::as_str)
    }
}

/// A complete trace: its spans, and each span's parent.
struct Trace {
    spans: Vec<Span>,
    parents: HashMap<String, String>,
}

impl Trace {
    /// The trace of the customer frame that carried a message into
    /// `conversation`, once every span the test looks for has arrived.
    fn of_message(spans: &[Span], conversation: &str) -> Option<Self> {
        let root = spans.iter().find(|s| {
            s.name == "customer frame" && s.attribute("conversation") == Some(conversation)
        })?;
        let spans: Vec<Span> = spans
            .iter()
            .filter(|s| s.trace_id == root.trace_id)
            .cloned()
            .collect();
        let parents = spans
            .iter()
            .filter_map(|s| Some((s.span_id.clone(), s.parent_id.clone()?)))
            .collect();
        let trace = Self { spans, parents };
        let ids: HashSet<&str> = trace.spans.iter().map(|s| s.span_id.as_str()).collect();
        let complete = trace.consumed_by("transcript-commands")
            && trace.consumed_by("ai-bridge-turns")
            && trace.answer_delivered()
            && trace.parents.values().all(|p| ids.contains(p.as_str()));
        complete.then_some(trace)
    }

    fn consumed_by(&self, consumer: &str) -> bool {
        self.spans
            .iter()
            .any(|s| s.attribute("consumer") == Some(consumer))
    }

    /// A delivery to the customer's socket that came through the AI agent:
    /// the answer, shown where the message was sent.
    fn answer_delivered(&self) -> bool {
        self.spans
            .iter()
            .filter(|s| s.name == "deliver sb.evt.* (customer socket)")
            .any(|delivery| {
                self.ancestors(delivery)
                    .any(|s| s.attribute("consumer") == Some("ai-bridge-turns"))
            })
    }

    fn ancestors<'a>(&'a self, span: &Span) -> impl Iterator<Item = &'a Span> + 'a {
        let mut next = self.parents.get(&span.span_id).cloned();
        std::iter::from_fn(move || {
            let span = self
                .spans
                .iter()
                .find(|s| Some(&s.span_id) == next.as_ref())?;
            next = self.parents.get(&span.span_id).cloned();
            Some(span)
        })
    }

    /// The spans as an indented tree, for failure messages and the docs.
    fn render(&self, span: &Span, depth: usize, out: &mut String) {
        out.push_str(&format!("{}{}\n", "  ".repeat(depth), span.name));
        for child in self
            .spans
            .iter()
            .filter(|s| s.parent_id.as_ref() == Some(&span.span_id))
        {
            self.render(child, depth + 1, out);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_customer_message_is_one_trace_from_the_socket_through_the_services_and_back() {
    let Some(mut phoenix) = Phoenix::spawn() else {
        return;
    };
    let env = vec![
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
            phoenix.otlp_http(),
        ),
        ("OTEL_BSP_SCHEDULE_DELAY".to_owned(), "100".to_owned()),
        (
            "OTEL_RESOURCE_ATTRIBUTES".to_owned(),
            format!("openinference.project.name={PROJECT},deployment.environment=e2e"),
        ),
    ];
    // The gateway and the ai-bridge send over gRPC, the others over HTTP
    // (the standard's default): one trace either way.
    let grpc = ["gateway", "ai-bridge"]
        .into_iter()
        .flat_map(|service| {
            [
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_owned()),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", phoenix.otlp_grpc()),
            ]
            .map(|(key, value)| (service.to_owned(), key.to_owned(), value))
        })
        .collect();
    // Phoenix starts while the services do.
    let (system, ()) = tokio::join!(
        System::start_with_service_env(None, env, grpc),
        phoenix.ready()
    );

    let tenant = ai_tenant(&system, "standard").await;
    let mut customer =
        Customer::hello(&system.ws_url(), &tenant.widget, json!({"type": "hello"})).await;
    customer.say("c-1", "how do i reset my password").await;
    let conversation = customer.expect("conversation").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    customer.expect_message_from("customer").await;
    assert_eq!(
        customer.expect_message_from("ai").await["text"],
        PASSWORD_ANSWER
    );

    let deadline = tokio::time::Instant::now() + SPANS_WITHIN;
    let trace = loop {
        let spans: Vec<Span> = phoenix.spans(PROJECT).await.iter().map(Span::of).collect();
        if let Some(trace) = Trace::of_message(&spans, &conversation) {
            break trace;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no complete trace of the message in Phoenix after {SPANS_WITHIN:?}; it holds: {:#?}",
            spans
                .iter()
                .map(|s| (&s.name, &s.trace_id, s.attribute("conversation")))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let roots: Vec<&Span> = trace
        .spans
        .iter()
        .filter(|s| s.parent_id.is_none())
        .collect();
    assert_eq!(roots.len(), 1, "one root: {roots:#?}");
    let mut tree = String::new();
    trace.render(roots[0], 0, &mut tree);
    eprintln!("the trace of one customer message:\n{tree}");
    assert_eq!(roots[0].name, "customer frame", "{tree}");
    let without: Vec<&str> = trace
        .spans
        .iter()
        .filter(|s| s.attribute("conversation") != Some(conversation.as_str()))
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        without.is_empty(),
        "spans without the conversation {conversation}: {without:?}\n{tree}"
    );
    for gateway_span in ["customer frame", "deliver sb.evt.* (customer socket)"] {
        assert!(
            tree.contains(gateway_span),
            "{gateway_span} missing:\n{tree}"
        );
    }
    eprintln!("Phoenix: {}", phoenix.project_url(PROJECT));
}

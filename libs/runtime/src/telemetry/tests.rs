//! The subscriber as the services install it, on a captured writer.

use std::io::Write;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::{TraceContextExt, TraceId};
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::Value;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::*;

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn json_lines(&self) -> Vec<Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
            .collect()
    }
}

fn trace_id(span: &tracing::Span) -> TraceId {
    span.context().span().span_context().trace_id()
}

/// Runs `f` under the services' subscriber with `vars`; returns the log.
fn logged<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> (T, Captured) {
    let provider = SdkTracerProvider::builder().build();
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = subscriber(
        &provider,
        &Vars::from_pairs(vars.iter().copied()),
        move || writer.clone(),
    );
    (tracing::subscriber::with_default(subscriber, f), out)
}

#[test]
fn json_log_lines_name_the_trace_and_span_they_were_logged_in() {
    let (trace, out) = logged(&[("SWITCHBOARD_LOG_FORMAT", "json")], || {
        tracing::info!("outside any span");
        let span = tracing::info_span!("work", conversation = tracing::field::Empty);
        let _entered = span.enter();
        record_conversation(&"c-1");
        tracing::info!("inside");
        trace_id(&span)
    });
    let lines = out.json_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].get("trace_id").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["fields"]["message"], "inside");
    assert_eq!(lines[1]["trace_id"], trace.to_string());
    assert_eq!(lines[1]["span_id"].as_str().unwrap().len(), 16);
    assert_eq!(lines[1]["span"]["conversation"], "c-1");
}

#[test]
fn quieter_logs_keep_their_spans() {
    let (trace, out) = logged(
        &[("RUST_LOG", "warn"), ("SWITCHBOARD_LOG_FORMAT", "json")],
        || {
            let span = tracing::info_span!("work");
            let _entered = span.enter();
            tracing::info!("not logged");
            tracing::warn!("logged");
            trace_id(&span)
        },
    );
    assert_ne!(trace, TraceId::INVALID, "the span exists for the traces");
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["trace_id"], trace.to_string());
}

#[test]
fn a_started_trace_leaves_the_trace_of_the_span_around_it() {
    let ((outer, inner, nested), _) = logged(&[], || {
        let socket = tracing::info_span!("socket");
        let _entered = socket.enter();
        let frame = tracing::info_span!("frame");
        start_trace(&frame);
        let nested = tracing::info_span!("nested");
        (trace_id(&socket), trace_id(&frame), trace_id(&nested))
    });
    assert_ne!(outer, inner);
    assert_eq!(
        outer, nested,
        "an ordinary span stays in its parent's trace"
    );
}

#[test]
fn the_resource_names_the_service_its_version_and_the_operators_attributes() {
    let vars = Vars::from_pairs([(
        "OTEL_RESOURCE_ATTRIBUTES",
        "deployment.environment=test,service.name=ignored",
    )]);
    let resource = resource(&Settings::load("ai-bridge", &vars).unwrap());
    let get = |key: &'static str| {
        resource
            .get(&opentelemetry::Key::new(key))
            .map(|v| v.to_string())
    };
    assert_eq!(
        get("service.name").as_deref(),
        Some("switchboard-ai-bridge")
    );
    assert_eq!(
        get("service.version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(get("deployment.environment").as_deref(), Some("test"));
    assert_eq!(get("telemetry.sdk.language").as_deref(), Some("rust"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exporter_is_built_for_either_protocol_and_flushes_at_shutdown() {
    for protocol in ["http/protobuf", "grpc"] {
        // Nothing listens there: the flush fails quietly, and shutdown returns.
        let vars = Vars::from_pairs([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ]);
        let settings = Settings::load("gateway", &vars).unwrap();
        let provider = provider(&settings).unwrap();
        Telemetry { provider }.shutdown();
    }
}

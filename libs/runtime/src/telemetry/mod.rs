//! Telemetry, set up once per process: a `tracing` subscriber that logs
//! (text, or JSON with `SWITCHBOARD_LOG_FORMAT=json`, filtered by
//! `RUST_LOG`) and turns spans into OpenTelemetry spans (filtered by
//! `SWITCHBOARD_TRACE_FILTER`, so quieter logs keep their traces). Every
//! span has a W3C trace context that `switchboard-bus` carries across NATS
//! in message headers; JSON log lines name it (`trace_id`, `span_id`).
//!
//! Spans are exported over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set
//! (see [`export`]), and flushed by [`Telemetry::shutdown`]. Without an
//! endpoint no exporter exists: spans still carry ids for the logs and the
//! headers, and are dropped when they end.
//!
//! A span that handles one conversation says which in its `conversation`
//! field ([`record_conversation`]), the same name in every service.

pub mod export;
mod log_ids;

use std::fmt::Display;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{ConfigError, Vars};
use export::{Export, Protocol, Settings};

/// What is logged unless `RUST_LOG` says otherwise.
const LOG_FILTER: &str = "info,sqlx=warn,async_nats=warn";
/// What becomes OpenTelemetry spans (and their events) unless
/// `SWITCHBOARD_TRACE_FILTER` says otherwise.
const TRACE_FILTER: &str = "info,sqlx=warn,async_nats=warn";
/// The name of the field that carries a conversation's id on every span.
pub const CONVERSATION_FIELD: &str = "conversation";

/// Keeps the tracer provider alive; call [`Telemetry::shutdown`] last.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Sends the spans still waiting. Call after the service has drained.
    pub fn shutdown(self) {
        let flush = move || {
            let _ = self.provider.shutdown();
        };
        // The flush blocks; on a multi-threaded runtime the other workers
        // keep going meanwhile (the gRPC exporter's connection lives there).
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(flush);
            }
            _ => flush(),
        }
    }
}

/// Installs the global subscriber and propagator for the service `service`
/// (`gateway`, ...: its spans are `switchboard-{service}`'s). Safe to call
/// more than once (later calls only return a new provider), which tests
/// rely on. Refuses telemetry settings it cannot follow, naming the variable.
pub fn init(service: &'static str, vars: &Vars) -> Result<Telemetry, ConfigError> {
    let settings = Settings::load(service, vars)?;
    let provider = provider(&settings)?;
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    let _ = subscriber(&provider, vars, std::io::stdout).try_init();
    Ok(Telemetry { provider })
}

/// The tracer provider: the service's resource, and the OTLP exporter when
/// one is configured.
fn provider(settings: &Settings) -> Result<SdkTracerProvider, ConfigError> {
    let mut builder = SdkTracerProvider::builder().with_resource(resource(settings));
    if let Some(export) = &settings.export {
        let exporter = exporter(export).map_err(|error| ConfigError::Invalid {
            key: "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
            reason: error.to_string(),
        })?;
        let mut batch = BatchConfigBuilder::default();
        if let Some(delay) = export.schedule_delay {
            batch = batch.with_scheduled_delay(delay);
        }
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(batch.build())
            .build();
        builder = builder.with_span_processor(processor);
    }
    Ok(builder.build())
}

/// What every span of this process says about its source: the
/// `OTEL_RESOURCE_ATTRIBUTES`, then `service.name` and `service.version`
/// (the workspace's version, which every service crate shares).
fn resource(settings: &Settings) -> Resource {
    Resource::builder_empty()
        .with_detectors(&[Box::new(TelemetryResourceDetector)])
        .with_attributes(
            settings
                .resource
                .iter()
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        )
        .with_service_name(settings.service_name.clone())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build()
}

fn exporter(export: &Export) -> Result<SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    match export.protocol {
        Protocol::HttpProtobuf => SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(export.endpoint.clone())
            .build(),
        Protocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(export.endpoint.clone())
            .build(),
    }
}

/// The subscriber: logs to `writer` and spans to `provider`, each with its
/// own filter.
fn subscriber<W>(
    provider: &SdkTracerProvider,
    vars: &Vars,
    writer: W,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = |key, default| {
        EnvFilter::try_new(vars.string(key, default)).unwrap_or_else(|_| EnvFilter::new("info"))
    };
    let logs: Box<dyn Layer<Registry> + Send + Sync> =
        if vars.get("SWITCHBOARD_LOG_FORMAT") == Some("json") {
            tracing_subscriber::fmt::layer()
                .json()
                .event_format(log_ids::WithTraceIds(
                    tracing_subscriber::fmt::format().json(),
                ))
                .with_writer(writer)
                .boxed()
        } else {
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_writer(writer)
                .boxed()
        };
    let tracer = provider.tracer("switchboard");
    let spans = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(filter("SWITCHBOARD_TRACE_FILTER", TRACE_FILTER));
    tracing_subscriber::registry()
        .with(logs.with_filter(filter("RUST_LOG", LOG_FILTER)))
        .with(spans)
}

/// Records the conversation the current span handles (declared on the span
/// as `conversation = tracing::field::Empty`; a span without that field
/// ignores it).
pub fn record_conversation(conversation: &dyn Display) {
    tracing::Span::current().record(CONVERSATION_FIELD, tracing::field::display(conversation));
}

/// Makes `span`, not yet entered, the root of a trace of its own (one
/// input from outside, such as a socket frame), whatever span it sits in
/// for the logs.
pub fn start_trace(span: &tracing::Span) {
    let _ = span.set_parent(opentelemetry::Context::new());
}

#[cfg(test)]
mod tests;

//! Telemetry, set up once per process: a `tracing` subscriber (text, or JSON
//! with `SWITCHBOARD_LOG_FORMAT=json`), filtered by `RUST_LOG`, with an
//! OpenTelemetry layer so every span has a W3C trace context that
//! `switchboard-bus` carries across NATS in message headers.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::Vars;

/// Keeps the tracer provider alive; call [`Telemetry::shutdown`] last.
#[derive(Debug)]
pub struct Telemetry {
    provider: SdkTracerProvider,
}

impl Telemetry {
    /// Flushes spans. Call after the service has drained.
    pub fn shutdown(self) {
        let _ = self.provider.shutdown();
    }
}

/// Installs the global subscriber and propagator. Safe to call more than once
/// (later calls only return a new provider), which tests rely on.
pub fn init(service: &'static str, vars: &Vars) -> Telemetry {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = SdkTracerProvider::builder()
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build();
    let tracer = provider.tracer(service);
    opentelemetry::global::set_tracer_provider(provider.clone());

    let filter = EnvFilter::try_new(vars.string("RUST_LOG", "info,sqlx=warn,async_nats=warn"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let otel = tracing_opentelemetry::layer().with_tracer(tracer);
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let _ = if vars.get("SWITCHBOARD_LOG_FORMAT") == Some("json") {
        registry
            .with(tracing_subscriber::fmt::layer().json())
            .try_init()
    } else {
        registry
            .with(tracing_subscriber::fmt::layer().with_target(false))
            .try_init()
    };
    Telemetry { provider }
}

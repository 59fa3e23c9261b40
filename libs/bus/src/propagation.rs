//! W3C trace context across NATS: the current span's context goes into the
//! message headers on publish, and a consumer's span takes it as its parent,
//! so one customer message is one trace through every service it reaches.

use async_nats::HeaderMap;
use opentelemetry::propagation::{Extractor, Injector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value.as_str());
    }
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

/// Writes the current span's trace context (`traceparent`) into `headers`.
pub fn inject_current(headers: &mut HeaderMap) {
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut HeaderInjector(headers));
    });
}

/// Makes `span` a child of the trace context found in `headers`; without
/// one, the root of a trace of its own. Call it before the span is first
/// entered: a started span keeps its parent.
pub fn set_parent_from(span: &tracing::Span, headers: Option<&HeaderMap>) {
    let parent = match headers {
        Some(headers) => opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract(&HeaderExtractor(headers))
        }),
        None => opentelemetry::Context::new(),
    };
    let _ = span.set_parent(parent);
}

//! JSON log lines that name their trace: `trace_id` and `span_id` of the
//! span current when the event was logged, so a log line leads to its trace
//! and back. The line is otherwise the one `tracing-subscriber` writes.

use std::fmt;

use opentelemetry::trace::TraceContextExt;
use tracing::Subscriber;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Wraps a JSON event format, adding the current span's ids.
#[derive(Debug)]
pub struct WithTraceIds<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'w> FormatFields<'w> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        // The OpenTelemetry layer makes an entered span's context current.
        let context = opentelemetry::Context::current();
        let span = context.span();
        let ids = span.span_context();
        if !ids.is_valid() {
            return self.0.format_event(ctx, writer, event);
        }
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        writer.write_str(&with_ids(
            &line,
            &ids.trace_id().to_string(),
            &ids.span_id().to_string(),
        ))
    }
}

/// `line` (one JSON object and a newline) with the two ids as its last
/// members; a line of another shape is kept as it is.
fn with_ids(line: &str, trace_id: &str, span_id: &str) -> String {
    let body = line.trim_end();
    let Some(open) = body.strip_suffix('}') else {
        return line.to_owned();
    };
    let separator = if open.trim_end().ends_with('{') {
        ""
    } else {
        ","
    };
    format!("{open}{separator}\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ids_close_the_object() {
        let line = "{\"level\":\"INFO\",\"fields\":{\"message\":\"hi\"}}\n";
        let out = with_ids(line, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
        assert_eq!(
            out,
            "{\"level\":\"INFO\",\"fields\":{\"message\":\"hi\"},\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}\n"
        );
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["span_id"], "00f067aa0ba902b7");
        assert_eq!(
            with_ids("{}\n", "t", "s"),
            "{\"trace_id\":\"t\",\"span_id\":\"s\"}\n"
        );
        assert_eq!(with_ids("not json\n", "t", "s"), "not json\n");
    }
}

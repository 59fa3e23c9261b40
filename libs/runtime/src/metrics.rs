//! The one metrics registry a process keeps, rendered in the OpenMetrics text
//! format (what Prometheus scrapes) on the health listener's `/metrics`.
//!
//! A service registers its metrics once, at start, on the [`Metrics`] its
//! kit hands it; registering a name again hands back the same metric, so a
//! test can read a value by name. Counters are named with their `_total`
//! suffix here, as they are exposed. Histograms measure seconds, with the
//! buckets of [`SECONDS_BUCKETS`].

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Metric, Registry};

pub use prometheus_client::metrics::counter::Counter;
pub use prometheus_client::metrics::gauge::Gauge;
pub use prometheus_client::metrics::histogram::Histogram;

/// What `/metrics` answers a scraper that asks for OpenMetrics with.
pub const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// What `/metrics` answers anyone else with: Prometheus's classic text format.
pub const TEXT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The buckets of every histogram, in seconds: from a millisecond to a minute.
pub const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];

fn seconds_histogram() -> Histogram {
    Histogram::new(SECONDS_BUCKETS)
}

/// A process's metrics; cheap to clone (clones share the registry).
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    registry: Registry,
    /// Every registered metric by its exposed name, to hand back on a second
    /// registration.
    known: HashMap<String, Box<dyn Any + Send>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A label set: each key with its value.
type LabelSet<const N: usize> = [(&'static str, String); N];
type Series<M, const N: usize> = Family<LabelSet<N>, M, fn() -> M>;

/// One metric with labels: a series per distinct set of label values.
#[derive(Clone)]
pub struct Labeled<M, const N: usize> {
    keys: [&'static str; N],
    family: Series<M, N>,
}

impl<M, const N: usize> std::fmt::Debug for Labeled<M, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Labeled")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl<M: Clone, const N: usize> Labeled<M, N> {
    fn label_set(&self, values: [&str; N]) -> LabelSet<N> {
        std::array::from_fn(|i| (self.keys[i], values[i].to_owned()))
    }

    /// The series with these label values (in the order of the keys),
    /// created at zero the first time.
    pub fn with(&self, values: [&str; N]) -> M {
        self.family.get_or_create_owned(&self.label_set(values))
    }

    /// Drops a series (a space that no longer exists).
    pub fn remove(&self, values: [&str; N]) {
        self.family.remove(&self.label_set(values));
    }
}

/// Counters by label values.
pub type CounterVec<const N: usize> = Labeled<Counter, N>;
/// Gauges by label values.
pub type GaugeVec<const N: usize> = Labeled<Gauge, N>;
/// Histograms (seconds) by label values.
pub type HistogramVec<const N: usize> = Labeled<Histogram, N>;

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter; `name` ends in `_total`.
    pub fn counter(&self, name: &str, help: &str) -> Counter {
        self.register(name, help, Counter::default)
    }

    pub fn gauge(&self, name: &str, help: &str) -> Gauge {
        self.register(name, help, Gauge::default)
    }

    /// A histogram of seconds; `name` ends in `_seconds`.
    pub fn histogram(&self, name: &str, help: &str) -> Histogram {
        self.register(name, help, seconds_histogram)
    }

    /// Counters labelled with `keys`; `name` ends in `_total`.
    pub fn counters<const N: usize>(
        &self,
        name: &str,
        help: &str,
        keys: [&'static str; N],
    ) -> CounterVec<N> {
        self.register(name, help, || Labeled {
            keys,
            family: Family::new_with_constructor(Counter::default as fn() -> Counter),
        })
    }

    pub fn gauges<const N: usize>(
        &self,
        name: &str,
        help: &str,
        keys: [&'static str; N],
    ) -> GaugeVec<N> {
        self.register(name, help, || Labeled {
            keys,
            family: Family::new_with_constructor(Gauge::default as fn() -> Gauge),
        })
    }

    /// Histograms of seconds labelled with `keys`; `name` ends in `_seconds`.
    pub fn histograms<const N: usize>(
        &self,
        name: &str,
        help: &str,
        keys: [&'static str; N],
    ) -> HistogramVec<N> {
        self.register(name, help, || Labeled {
            keys,
            family: Family::new_with_constructor(seconds_histogram as fn() -> Histogram),
        })
    }

    fn register<T>(&self, name: &str, help: &str, make: impl FnOnce() -> T) -> T
    where
        T: Registrable + Clone + Send + 'static,
    {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = inner.known.get(name) {
            return known
                .downcast_ref::<T>()
                .unwrap_or_else(|| panic!("metric {name} registered twice with different types"))
                .clone();
        }
        let metric = make();
        // The registry adds a counter's `_total` itself.
        let registered = if T::COUNTER {
            name.strip_suffix("_total").unwrap_or(name)
        } else {
            name
        };
        let help = help.trim_end_matches('.');
        metric
            .clone()
            .register_in(&mut inner.registry, registered, help);
        inner
            .known
            .insert(name.to_owned(), Box::new(metric.clone()));
        metric
    }

    /// Gauges labelled with `keys` whose values `read` computes at each
    /// scrape: for what changes with time alone (how long the oldest
    /// conversation has waited).
    pub fn computed_gauges<const N: usize>(
        &self,
        name: &'static str,
        help: &'static str,
        keys: [&'static str; N],
        read: impl Fn() -> Vec<([String; N], f64)> + Send + Sync + 'static,
    ) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.known.contains_key(name) {
            return;
        }
        inner.known.insert(name.to_owned(), Box::new(()));
        inner.registry.register_collector(Box::new(Computed {
            name,
            help: help.trim_end_matches('.'),
            keys,
            read: Box::new(read),
        }));
    }

    /// The exposition in Prometheus's classic text format (what `promtool
    /// check metrics` and older scrapers read): as [`Metrics::render`], with a
    /// counter's `# HELP` and `# TYPE` naming it with its `_total`, and no
    /// `# EOF`.
    pub fn render_text(&self) -> String {
        to_classic_text(&self.render())
    }

    /// The OpenMetrics exposition: every metric, then `# EOF`.
    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        encode(&mut out, &inner.registry).expect("writing to a String cannot fail");
        out
    }
}

fn to_classic_text(openmetrics: &str) -> String {
    let mut counters = std::collections::HashSet::new();
    for line in openmetrics.lines() {
        if let Some(name) = line
            .strip_prefix("# TYPE ")
            .and_then(|rest| rest.strip_suffix(" counter"))
        {
            counters.insert(name.to_owned());
        }
    }
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let described = ["# HELP ", "# TYPE "].into_iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(described.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

type Read<const N: usize> = Box<dyn Fn() -> Vec<([String; N], f64)> + Send + Sync>;

struct Computed<const N: usize> {
    name: &'static str,
    help: &'static str,
    keys: [&'static str; N],
    read: Read<N>,
}

impl<const N: usize> std::fmt::Debug for Computed<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Computed")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<const N: usize> Collector for Computed<N> {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut metric =
            encoder.encode_descriptor(self.name, self.help, None, MetricType::Gauge)?;
        for (values, value) in (self.read)() {
            let labels: LabelSet<N> = std::array::from_fn(|i| (self.keys[i], values[i].clone()));
            ConstGauge::new(value).encode(metric.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// What [`Metrics`] can register.
trait Registrable {
    /// Exposed with a `_total` suffix the registry adds.
    const COUNTER: bool;
    fn register_in(self, registry: &mut Registry, name: &str, help: &str);
}

macro_rules! registrable {
    ($type:ty, $counter:expr) => {
        impl Registrable for $type {
            const COUNTER: bool = $counter;
            fn register_in(self, registry: &mut Registry, name: &str, help: &str) {
                registry.register(name, help, self);
            }
        }
    };
}

registrable!(Counter, true);
registrable!(Gauge, false);
registrable!(Histogram, false);

impl<M, const N: usize> Registrable for Labeled<M, N>
where
    M: Registrable + prometheus_client::metrics::TypedMetric,
    Series<M, N>: Metric,
{
    const COUNTER: bool = M::COUNTER;
    fn register_in(self, registry: &mut Registry, name: &str, help: &str) {
        registry.register(name, help, self.family);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms_render_with_their_labels() {
        let metrics = Metrics::new();
        metrics.counter("things_total", "Things seen.").inc();
        metrics.gauge("open", "Open now.").set(3);
        let by_kind = metrics.counters("offers_total", "Offers.", ["outcome"]);
        by_kind.with(["accepted"]).inc();
        metrics
            .histograms("wait_seconds", "Waits.", ["space"])
            .with(["billing"])
            .observe(0.2);
        let text = metrics.render();
        for line in [
            "# TYPE things counter",
            "things_total 1",
            "open 3",
            "offers_total{outcome=\"accepted\"} 1",
            "wait_seconds_count{space=\"billing\"} 1",
            "wait_seconds_bucket{le=\"0.25\",space=\"billing\"} 1",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }

    #[test]
    fn the_classic_text_names_counters_with_their_total_and_has_no_eof() {
        let metrics = Metrics::new();
        metrics.counter("things_total", "Things seen.").inc();
        metrics.gauge("open", "Open now.").set(3);
        let text = metrics.render_text();
        for line in [
            "# HELP things_total Things seen.",
            "# TYPE things_total counter",
            "things_total 1",
            "# TYPE open gauge",
            "open 3",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(!text.contains("# EOF"), "{text}");
    }

    #[test]
    fn registering_a_name_again_hands_back_the_same_metric() {
        let metrics = Metrics::new();
        metrics.counter("things_total", "Things.").inc_by(2);
        assert_eq!(metrics.counter("things_total", "").get(), 2);
        let vec = metrics.gauges("sockets", "Sockets.", ["kind"]);
        vec.with(["agent"]).inc();
        assert_eq!(
            metrics
                .gauges("sockets", "", ["kind"])
                .with(["agent"])
                .get(),
            1
        );
        assert_eq!(metrics.render().matches("# TYPE things").count(), 1);
    }

    #[test]
    fn computed_gauges_are_read_at_each_scrape() {
        let metrics = Metrics::new();
        let value = Arc::new(Mutex::new(1.5));
        let read = value.clone();
        metrics.computed_gauges("wait_longest_seconds", "Longest.", ["space"], move || {
            vec![(["billing".to_owned()], *read.lock().unwrap())]
        });
        assert!(
            metrics
                .render()
                .contains("wait_longest_seconds{space=\"billing\"} 1.5\n")
        );
        *value.lock().unwrap() = 4.0;
        assert!(
            metrics
                .render()
                .contains("wait_longest_seconds{space=\"billing\"} 4.0\n")
        );
    }
}

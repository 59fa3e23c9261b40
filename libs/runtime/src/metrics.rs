//! A small metrics registry: named counters and gauges rendered in the
//! Prometheus text format. Enough for operators to watch rates and backlogs
//! without pulling a metrics stack into every service.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<BTreeMap<String, Entry>>>,
}

#[derive(Debug, Clone)]
struct Entry {
    help: &'static str,
    kind: &'static str,
    value: Arc<AtomicI64>,
}

/// A handle to one counter or gauge; cheap to clone and update.
#[derive(Debug, Clone)]
pub struct Handle(Arc<AtomicI64>);

impl Handle {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn set(&self, n: i64) {
        self.0.store(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn counter(&self, name: &str, help: &'static str) -> Handle {
        self.register(name, help, "counter")
    }

    pub fn gauge(&self, name: &str, help: &'static str) -> Handle {
        self.register(name, help, "gauge")
    }

    fn register(&self, name: &str, help: &'static str, kind: &'static str) -> Handle {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(name.to_owned()).or_insert_with(|| Entry {
            help,
            kind,
            value: Arc::default(),
        });
        Handle(entry.value.clone())
    }

    pub fn render(&self) -> String {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for (name, entry) in map.iter() {
            let base = name.split('{').next().unwrap_or(name);
            out.push_str(&format!(
                "# HELP {base} {}\n# TYPE {base} {}\n",
                entry.help, entry.kind
            ));
            out.push_str(&format!("{name} {}\n", entry.value.load(Ordering::Relaxed)));
        }
        out
    }
}

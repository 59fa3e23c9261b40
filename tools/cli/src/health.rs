//! `GET /readyz` of every service, side by side; the command fails when any
//! is not ready, so scripts can wait on it.

use std::time::Duration;

use serde_json::{Value, json};

use crate::render::{Output, Table};

/// One service's answer: its status code, or why there was none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub service: String,
    pub address: String,
    pub status: Result<u16, String>,
}

impl Check {
    pub fn ready(&self) -> bool {
        self.status == Ok(200)
    }
}

pub async fn check_all(services: &[(&'static str, &str)]) -> Vec<Check> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a plain HTTP client");
    let mut checks = Vec::new();
    for (service, address) in services {
        let url = format!("http://{address}/readyz");
        let status = match http.get(&url).send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(e) if e.is_connect() => Err("not listening".to_owned()),
            Err(e) if e.is_timeout() => Err("no answer within 5 s".to_owned()),
            Err(e) => Err(e.to_string()),
        };
        checks.push(Check {
            service: (*service).to_owned(),
            address: (*address).to_owned(),
            status,
        });
    }
    checks
}

pub fn output(checks: &[Check]) -> Output {
    let mut table = Table::new(vec!["SERVICE", "ADDRESS", "READY", "DETAIL"]);
    let mut services = Vec::new();
    for check in checks {
        let detail = match &check.status {
            Ok(code) => format!("HTTP {code}"),
            Err(why) => why.clone(),
        };
        let ready = if check.ready() { "yes" } else { "no" };
        table.row(vec![
            check.service.clone(),
            check.address.clone(),
            ready.to_owned(),
            detail.clone(),
        ]);
        services.push(json!({
            "service": check.service,
            "address": check.address,
            "ready": check.ready(),
            "detail": detail,
        }));
    }
    let ready = checks.iter().all(Check::ready);
    Output {
        json: json!({"ready": ready, "services": Value::Array(services)}),
        table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_200_is_ready_and_the_json_says_whether_all_are() {
        let checks = vec![
            Check {
                service: "transcript".to_owned(),
                address: "127.0.0.1:8091".to_owned(),
                status: Ok(200),
            },
            Check {
                service: "router".to_owned(),
                address: "127.0.0.1:8095".to_owned(),
                status: Ok(503),
            },
            Check {
                service: "gateway".to_owned(),
                address: "127.0.0.1:8096".to_owned(),
                status: Err("not listening".to_owned()),
            },
        ];
        let output = output(&checks);
        assert_eq!(output.json["ready"], false);
        assert_eq!(output.json["services"][1]["ready"], false);
        assert_eq!(
            output.table.rows[0],
            vec!["transcript", "127.0.0.1:8091", "yes", "HTTP 200"]
        );
        assert_eq!(output.table.rows[2][2..], ["no", "not listening"]);
    }
}

//! The gateway's HTTP API: the operator's tenant routes and a tenant's
//! decision records, each answer turned into an [`Output`].

use reqwest::Method;
use serde_json::{Value, json};

use crate::error::CliError;
use crate::render::{Output, Table, cell, fields};

/// The fields of a tenant, in the order a table shows them.
const TENANT_FIELDS: [&str; 5] = [
    "id",
    "name",
    "edition",
    "maximum_conversations",
    "created_at",
];

pub struct Gateway {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Gateway {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Sends one request; a non-2xx answer becomes [`CliError::Api`] with
    /// the API's own message.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CliError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let http = |source| CliError::Http {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(http)?;
        let status = response.status();
        let text = response.text().await.map_err(http)?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(value);
        }
        let message = match &value["error"]["message"] {
            Value::String(message) => message.clone(),
            _ => text,
        };
        Err(CliError::Api {
            url,
            status: status.as_u16(),
            message,
        })
    }

    pub async fn create_tenant(&self, name: &str, edition: &str) -> Result<Output, CliError> {
        let body = json!({"name": name, "edition": edition});
        let tenant = self
            .call(Method::POST, "/api/v1/tenants", Some(body))
            .await?;
        let mut names = TENANT_FIELDS.to_vec();
        names.extend(["admin_token", "identity_secret"]);
        Ok(Output {
            table: fields(&tenant, &names),
            json: tenant,
        })
    }

    /// Every tenant, shown as one `{"tenants": [...]}`.
    pub async fn list_tenants(&self) -> Result<Output, CliError> {
        let tenants = self.every_page("/api/v1/tenants").await?;
        Ok(tenant_list(json!({"tenants": tenants})))
    }

    /// Every item of the paged list at `path`: its pages, 200 items each,
    /// followed to the last (`next_cursor` null).
    async fn every_page(&self, path: &str) -> Result<Vec<Value>, CliError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            // Cursors are base64url: safe in a query string as they are.
            let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
            let mut page = self
                .call(Method::GET, &format!("{path}?limit=200{after}"), None)
                .await?;
            if let Value::Array(page_items) = page["items"].take() {
                items.extend(page_items);
            }
            match page["next_cursor"].as_str() {
                Some(next) if !next.is_empty() => cursor = Some(next.to_owned()),
                _ => return Ok(items),
            }
        }
    }

    pub async fn set_edition(&self, tenant: &str, edition: &str) -> Result<Output, CliError> {
        let path = format!("/api/v1/tenants/{tenant}");
        let body = json!({"edition": edition});
        let tenant = self.call(Method::PATCH, &path, Some(body)).await?;
        Ok(Output {
            table: fields(&tenant, &TENANT_FIELDS),
            json: tenant,
        })
    }

    pub async fn reissue_admin(&self, tenant: &str) -> Result<Output, CliError> {
        let path = format!("/api/v1/tenants/{tenant}/admin-token");
        let answer = self.call(Method::POST, &path, None).await?;
        let json = json!({"tenant": tenant, "admin_token": answer["token"]});
        Ok(Output {
            table: fields(&json, &["tenant", "admin_token"]),
            json,
        })
    }

    pub async fn decisions(&self, tenant: &str, conversation: &str) -> Result<Output, CliError> {
        let path = format!("/api/v1/tenants/{tenant}/conversations/{conversation}/decisions");
        let decisions = self.every_page(&path).await?;
        Ok(decision_list(json!({"decisions": decisions})))
    }
}

/// `{"tenants": [...]}` as one row per tenant.
pub fn tenant_list(body: Value) -> Output {
    let mut table = Table::new(vec![
        "ID",
        "NAME",
        "EDITION",
        "MAX CONVERSATIONS",
        "CREATED",
    ]);
    for tenant in body["tenants"].as_array().into_iter().flatten() {
        table.row(TENANT_FIELDS.iter().map(|f| cell(&tenant[*f])).collect());
    }
    Output { json: body, table }
}

/// `{"decisions": [...]}` as one row per decision; skipped agents as
/// `agent:why` pairs.
pub fn decision_list(body: Value) -> Output {
    let mut table = Table::new(vec!["AT", "KIND", "SPACE", "AGENT", "OFFER", "SKIPPED"]);
    for decision in body["decisions"].as_array().into_iter().flatten() {
        let skipped: Vec<String> = decision["skipped"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| format!("{}:{}", cell(&s["agent"]), cell(&s["why"])))
            .collect();
        table.row(vec![
            cell(&decision["at"]),
            cell(&decision["kind"]),
            cell(&decision["space"]),
            cell(&decision["agent"]),
            cell(&decision["offer_id"]),
            skipped.join(","),
        ]);
    }
    Output { json: body, table }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_list_is_one_row_per_tenant() {
        let body = json!({"tenants": [
            {"id": "t1", "name": "Acme", "edition": "standard", "maximum_conversations": 3,
             "created_at": "2026-01-02T03:04:05.006Z"},
        ]});
        let output = tenant_list(body.clone());
        assert_eq!(output.json, body);
        assert_eq!(
            output.table.rows,
            vec![vec![
                "t1",
                "Acme",
                "standard",
                "3",
                "2026-01-02T03:04:05.006Z"
            ]]
        );
    }

    #[test]
    fn a_decision_shows_its_agent_and_who_was_skipped_and_why() {
        let body = json!({"decisions": [
            {"at": "t", "kind": "offered", "space": "s1", "agent": "a2", "offer_id": "o1",
             "skipped": [{"agent": "a1", "why": "at_limit"}, {"agent": "a3", "why": "declined"}]},
            {"at": "u", "kind": "none_eligible", "space": "s1", "skipped": []},
        ]});
        let rows = decision_list(body).table.rows;
        assert_eq!(
            rows[0],
            vec!["t", "offered", "s1", "a2", "o1", "a1:at_limit,a3:declined"]
        );
        assert_eq!(rows[1], vec!["u", "none_eligible", "s1", "", "", ""]);
    }
}

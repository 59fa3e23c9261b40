//! A gateway whose every request and answer is checked against the OpenAPI
//! document: the request body against the operation's request schema, the
//! answer's status against those documented and its body against the schema
//! of that status.

use reqwest::StatusCode;
use serde_json::Value;

use super::helpers::*;
use super::schema;

/// A gateway whose every answer is checked against the document.
pub struct Checked {
    pub app: TestApp,
    doc: Value,
}

impl Checked {
    pub async fn start() -> Self {
        let app = spawn_app().await;
        Self {
            app,
            doc: schema::document(),
        }
    }

    /// GETs `path`, expecting 200.
    pub async fn get(&self, path: &str, token: &str) -> Value {
        self.call("GET", path, token, None, StatusCode::OK).await
    }

    /// POSTs `body` (none if null), expecting `status`.
    pub async fn post(&self, path: &str, token: &str, body: Value, status: u16) -> Value {
        let body = (!body.is_null()).then_some(body);
        let status = StatusCode::from_u16(status).unwrap();
        self.call("POST", path, token, body, status).await
    }

    /// PATCHes `body`, expecting 200.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Value {
        self.call("PATCH", path, token, Some(body), StatusCode::OK)
            .await
    }

    /// Sends `body` (which must fit the operation's request schema) and
    /// checks the answer, which must have status `expected`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        expected: StatusCode,
    ) -> Value {
        if let Some(body) = &body {
            let (template, op) = schema::operation(&self.doc, method, path);
            let place = format!("{method} {template}");
            let shape = self.media(&op["requestBody"], "application/json", &place);
            let broken = schema::violations(&self.doc, &shape["schema"], body);
            assert!(broken.is_empty(), "{place}: request {body}: {broken:#?}");
            // The fields the document calls required are: without any one
            // of them the request is refused (and, refused, changes nothing).
            for field in schema::required(&self.doc, &shape["schema"]) {
                let mut short = body.clone();
                short.as_object_mut().expect("an object").remove(&field);
                let answer = self.refused(method, path, token, Some(short), None).await;
                let code = answer["error"]["code"].as_str().unwrap_or_default();
                assert_eq!(code, "invalid", "{place} without '{field}': {answer}");
            }
        }
        let answer = self.refused(method, path, token, body, Some(expected));
        answer.await
    }

    /// [`Checked::call`] for a request body the gateway must refuse: only
    /// the answer is checked, against `expected` if given (any documented
    /// status otherwise). An empty `token` sends none.
    pub async fn refused(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        expected: Option<StatusCode>,
    ) -> Value {
        let (template, op) = schema::operation(&self.doc, method, path);
        let place = format!("{method} {template}");
        let mut request =
            (self.app.http).request(method.parse().unwrap(), format!("{}{path}", self.app.base));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        if let Some(expected) = expected {
            assert_eq!(status, expected, "{place}: {text}");
        }
        let documented = &op["responses"][status.as_str()];
        assert!(
            documented.is_object(),
            "{place}: {status} is not documented"
        );
        let documented = match documented.get("$ref") {
            Some(reference) => schema::resolve(&self.doc, reference),
            None => documented,
        };
        let Some(kind) = kind else {
            assert!(documented.get("content").is_none(), "{place}: no body");
            assert!(text.is_empty(), "{place}: a body without a content type");
            return Value::Null;
        };
        let media = kind.split(';').next().unwrap().trim();
        let shape = self.media(documented, media, &place);
        if media != "application/json" {
            return Value::String(text);
        }
        let value: Value = serde_json::from_str(&text).expect("a JSON body");
        let broken = schema::violations_closed(&self.doc, &shape["schema"], &value);
        assert!(
            broken.is_empty(),
            "{place} {status}: {value:#}: {broken:#?}"
        );
        value
    }

    /// The documented media type `kind` of a request body or response.
    fn media(&self, item: &Value, kind: &str, place: &str) -> Value {
        let item = match item.get("$ref") {
            Some(reference) => schema::resolve(&self.doc, reference),
            None => item,
        };
        let media = item["content"].get(kind);
        media
            .unwrap_or_else(|| panic!("{place}: {kind} is not documented"))
            .clone()
    }
}

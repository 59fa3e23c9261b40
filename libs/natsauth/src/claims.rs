//! The claims of each kind of NATS JWT Switchboard issues: the operator, the
//! system account, the services' account, an AI platform's account, users
//! and import activations.

use serde_json::{Value, json};

/// Limits of an account with JetStream: everything unlimited except what
/// `storage` caps (bytes on disk; memory gets a sixteenth).
pub fn account_limits(storage: Option<i64>) -> Value {
    let (disk, memory, streams, consumers) = match storage {
        None => (-1, -1, -1, -1),
        Some(bytes) => (bytes, bytes / 16, 8, 64),
    };
    json!({
        "subs": -1, "data": -1, "payload": -1,
        "imports": -1, "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
        "mem_storage": memory, "disk_storage": disk,
        "streams": streams, "consumer": consumers,
    })
}

/// The system account: no JetStream.
pub fn system_account() -> Value {
    json!({
        "limits": {
            "subs": -1, "data": -1, "payload": -1,
            "imports": -1, "exports": -1, "wildcards": true, "conn": -1, "leaf": -1,
        },
        "exports": [
            {"name": "account-monitoring-services", "subject": "$SYS.REQ.ACCOUNT.*.*",
             "type": "service", "response_type": "Stream", "account_token_position": 4},
            {"name": "account-monitoring-streams", "subject": "$SYS.ACCOUNT.*.>",
             "type": "stream", "account_token_position": 3},
        ],
    })
}

/// The services' account: JetStream, a signing key (the gateway's, for
/// activations) and the AI contract subjects exported to platform accounts
/// that hold an activation naming their tenant.
pub fn services_account(signing_key: &str) -> Value {
    json!({
        "limits": account_limits(None),
        "signing_keys": [signing_key],
        "exports": [
            {"name": "ai-requests", "subject": "switchboard.ai.request.>",
             "type": "stream", "token_req": true},
            {"name": "ai-replies", "subject": "switchboard.ai.reply.*",
             "type": "service", "token_req": true},
            {"name": "ai-handoffs", "subject": "switchboard.ai.handoff.*",
             "type": "service", "token_req": true},
        ],
    })
}

/// The subjects an AI platform of `tenant` imports, with their kind.
pub fn platform_imports(tenant: &str) -> [(String, &'static str); 3] {
    [
        (format!("switchboard.ai.request.{tenant}.>"), "stream"),
        (format!("switchboard.ai.reply.{tenant}"), "service"),
        (format!("switchboard.ai.handoff.{tenant}"), "service"),
    ]
}

/// An import of `subject` from the services' account, with its activation.
pub fn import(subject: &str, kind: &str, services_account: &str, token: &str) -> Value {
    json!({
        "name": subject, "subject": subject, "account": services_account,
        "token": token, "type": kind,
    })
}

/// An AI platform's account: its imports, JetStream of its own within
/// `storage` bytes, and `revoked_before` (unix seconds) revoking every user
/// issued before it.
pub fn platform_account(imports: Vec<Value>, storage: i64, revoked_before: Option<u64>) -> Value {
    let mut claims = json!({"limits": account_limits(Some(storage)), "imports": imports});
    if let Some(before) = revoked_before {
        claims["revocations"] = json!({"*": before});
    }
    claims
}

/// A user with `permissions` (the `pub`/`sub`/`resp` claims).
pub fn user(mut permissions: Value, issuer_account: Option<&str>) -> Value {
    for (key, value) in [("subs", -1), ("data", -1), ("payload", -1)] {
        permissions[key] = json!(value);
    }
    if let Some(account) = issuer_account {
        permissions["issuer_account"] = json!(account);
    }
    permissions
}

/// The activation letting an account import `subject`.
pub fn activation(subject: &str, kind: &str, issuer_account: &str) -> Value {
    json!({"subject": subject, "kind": kind, "issuer_account": issuer_account})
}

/// The operator: its signing key and the system account.
pub fn operator(signing_key: &str, system_account: &str) -> Value {
    json!({"signing_keys": [signing_key], "system_account": system_account})
}

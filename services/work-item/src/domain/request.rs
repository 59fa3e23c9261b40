//! A `WorkItemRequest` parsed into what it asks for, so the handler never
//! sees an unchecked id or status (parse, don't validate).
//!
//! Rules: the request's tenant must be the subject's (NATS permissions
//! confine subjects, not payloads); an id that is not a UUID cannot name an
//! item, so it is `not_found`, not `invalid`; filters must be ids or statuses
//! and are refused as `invalid`, naming the field.

use switchboard_contracts::ids::{AgentId, SpaceId, TenantId};
use switchboard_contracts::subjects;
use switchboard_contracts::v1::work_item_request::Request as Wire;
use switchboard_contracts::v1::{WorkItemQuery, WorkItemRequest, WorkItemUpdate};
use uuid::Uuid;

use super::status::Status;
use crate::error::Refusal;

/// The longest `by` kept on a status change.
const BY_MAX_CHARS: usize = 200;

/// Which items a list returns. Empty `spaces` means any space.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub space: Option<SpaceId>,
    pub status: Option<Status>,
    pub assignee: Option<AgentId>,
    pub spaces: Vec<SpaceId>,
    /// The page size; 0 means the most one reply holds.
    pub limit: u32,
    /// Page on after this item: `(created_at_ms, id)`.
    pub after: Option<(i64, Uuid)>,
}

impl ListFilter {
    /// Whether an item in `space` is visible to a caller limited to `spaces`.
    pub fn visible(spaces: &[SpaceId], space: &str) -> bool {
        spaces.is_empty() || spaces.iter().any(|s| s.to_string() == space)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Get {
        tenant: TenantId,
        id: Uuid,
        spaces: Vec<SpaceId>,
    },
    List {
        tenant: TenantId,
        filter: ListFilter,
    },
    Update {
        tenant: TenantId,
        id: Uuid,
        to: Status,
        by: String,
        spaces: Vec<SpaceId>,
    },
}

/// Parses a request that arrived on `subject`.
pub fn parse(subject: &str, request: WorkItemRequest) -> Result<Request, Refusal> {
    match request.request {
        Some(Wire::Query(query)) => parse_query(subject, query),
        Some(Wire::Update(update)) => parse_update(subject, update),
        None => Err(Refusal::Invalid(
            "the request carries neither query nor update".into(),
        )),
    }
}

fn parse_query(subject: &str, query: WorkItemQuery) -> Result<Request, Refusal> {
    let tenant = tenant(subject, &query.tenant)?;
    let spaces = ids("spaces", &query.spaces)?;
    if !query.id.is_empty() {
        return Ok(Request::Get {
            tenant,
            id: item_id(&query.id)?,
            spaces,
        });
    }
    Ok(Request::List {
        tenant,
        filter: ListFilter {
            space: optional_id("space", &query.space)?,
            status: match query.status.as_str() {
                "" => None,
                name => Some(Status::parse("status", name)?),
            },
            assignee: optional_id("assignee", &query.assignee)?,
            spaces,
            limit: query.limit,
            after: match query.after_id.as_str() {
                "" => None,
                id => Some((
                    query.after_created_at_ms,
                    Uuid::parse_str(id)
                        .map_err(|_| Refusal::Invalid("after_id is not a work item id".into()))?,
                )),
            },
        },
    })
}

fn parse_update(subject: &str, update: WorkItemUpdate) -> Result<Request, Refusal> {
    let tenant = tenant(subject, &update.tenant)?;
    Ok(Request::Update {
        tenant,
        id: item_id(&update.id)?,
        to: Status::parse("status", &update.status)?,
        by: update.by.chars().take(BY_MAX_CHARS).collect(),
        spaces: ids("spaces", &update.spaces)?,
    })
}

/// The subject's tenant, when the request names the same one.
fn tenant(subject: &str, named: &str) -> Result<TenantId, Refusal> {
    let from_subject = subjects::tenant_of(subject)
        .filter(|t| subjects::workitem_rpc(*t) == subject)
        .ok_or_else(|| Refusal::Invalid(format!("`{subject}` is not a work-item subject")))?;
    match named.parse::<TenantId>() {
        Ok(tenant) if tenant == from_subject => Ok(tenant),
        _ => Err(Refusal::Invalid(
            "tenant must be the tenant of the request's subject".into(),
        )),
    }
}

fn item_id(text: &str) -> Result<Uuid, Refusal> {
    Uuid::parse_str(text).map_err(|_| Refusal::NotFound)
}

fn optional_id<T: std::str::FromStr>(field: &str, text: &str) -> Result<Option<T>, Refusal> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Refusal::Invalid(format!("{field} is not a valid id")))
}

fn ids<T: std::str::FromStr>(field: &str, texts: &[String]) -> Result<Vec<T>, Refusal> {
    texts
        .iter()
        .map(|t| {
            t.parse().map_err(|_| {
                Refusal::Invalid(format!("{field} holds `{}`, not a valid id", cut(t)))
            })
        })
        .collect()
}

fn cut(text: &str) -> String {
    text.chars().take(64).collect()
}

#[cfg(test)]
mod tests;

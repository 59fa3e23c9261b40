//! Listing a tenant's conversations for the admin console: newest first by
//! `(created_at, id)`, paged by keyset so that pages neither skip nor repeat
//! a conversation while new ones arrive (they sort before the first page).

use sqlx::Row;
use switchboard_contracts::ids::TenantId;
use switchboard_contracts::v1::{ConversationInfo, ConversationState};

use super::{Store, rows};
use crate::error::StoreError;

/// The largest page; also the API's upper bound for `limit`.
pub const MAX_LIST: u32 = 200;
/// The page size when the caller names none.
pub const DEFAULT_LIST: u32 = 50;

/// Which conversations to list; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub state: Option<ConversationState>,
    pub space: Option<String>,
    /// Empty means every experience.
    pub experiences: Vec<String>,
    /// Only conversations created at or after this time (epoch ms).
    pub since_ms: Option<i64>,
    /// Only conversations created before this time (epoch ms).
    pub until_ms: Option<i64>,
}

/// A value for one `$n` placeholder, in order.
enum Bind {
    Text(String),
    Int(i64),
}

/// Where a page starts: just after the conversation with this creation time
/// and id. On the wire it is opaque hex of `{created_at_ms}:{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at_ms: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}:{}", self.created_at_ms, self.id)
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `None` for text that no [`Cursor::encode`] produced.
    pub fn decode(text: &str) -> Option<Self> {
        if !text.len().is_multiple_of(2) || !text.is_ascii() {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let plain = String::from_utf8(bytes).ok()?;
        let (at, id) = plain.split_once(':')?;
        let created_at_ms = at.parse().ok()?;
        (!id.is_empty()).then(|| Cursor {
            created_at_ms,
            id: id.to_owned(),
        })
    }
}

/// One listed conversation and when it last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub info: ConversationInfo,
    pub updated_at_ms: i64,
}

/// A page of the list; `next` is `None` on the last page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    pub items: Vec<Listed>,
    pub next: Option<Cursor>,
}

impl Store {
    /// A page of `tenant`'s conversations matching `filter`, newest first:
    /// at most `limit` (0 means [`DEFAULT_LIST`], capped at [`MAX_LIST`]),
    /// starting after `after`.
    pub async fn list(
        &self,
        tenant: TenantId,
        filter: &ListFilter,
        limit: u32,
        after: Option<&Cursor>,
    ) -> Result<ListPage, StoreError> {
        let limit = match limit {
            0 => DEFAULT_LIST,
            n => n.min(MAX_LIST),
        };
        let mut sql = String::from(concat!(
            "SELECT ",
            conversation_columns!(),
            ", updated_at FROM conversations WHERE tenant = $1"
        ));
        let mut binds = vec![Bind::Text(tenant.to_string())];
        let mut placeholder = |value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(state) = filter.state.and_then(rows::wire_name) {
            let p = placeholder(Bind::Text(state.to_owned()));
            sql.push_str(&format!(" AND state = {p}"));
        }
        if let Some(space) = &filter.space {
            let p = placeholder(Bind::Text(space.clone()));
            sql.push_str(&format!(" AND routed_space = {p}"));
        }
        if !filter.experiences.is_empty() {
            let list: Vec<String> = filter
                .experiences
                .iter()
                .map(|e| placeholder(Bind::Text(e.clone())))
                .collect();
            sql.push_str(&format!(" AND experience IN ({})", list.join(", ")));
        }
        if let Some(since) = filter.since_ms {
            let p = placeholder(Bind::Int(since));
            sql.push_str(&format!(" AND created_at >= {p}"));
        }
        if let Some(until) = filter.until_ms {
            let p = placeholder(Bind::Int(until));
            sql.push_str(&format!(" AND created_at < {p}"));
        }
        if let Some(cursor) = after {
            let a = placeholder(Bind::Int(cursor.created_at_ms));
            let b = placeholder(Bind::Text(cursor.id.clone()));
            sql.push_str(&format!(
                " AND (created_at < {a} OR (created_at = {a} AND id < {b}))"
            ));
        }
        // One more than the page tells whether another page follows.
        let limit_at = placeholder(Bind::Int(i64::from(limit) + 1));
        sql.push_str(&format!(
            " ORDER BY created_at DESC, id DESC LIMIT {limit_at}"
        ));

        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(number) => query.bind(number),
            };
        }
        let found = query.fetch_all(&self.pool).await?;
        let more = found.len() > limit as usize;
        let items = found
            .iter()
            .take(limit as usize)
            .map(|row| {
                Ok(Listed {
                    info: rows::conversation(row)?,
                    updated_at_ms: row.try_get::<Option<i64>, _>("updated_at")?.unwrap_or(0),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next = more.then(|| items.last()).flatten().map(|last| Cursor {
            created_at_ms: last.info.created_at_ms,
            id: last.info.id.clone(),
        });
        Ok(ListPage { items, next })
    }
}

//! Cursor pagination, the same on every list of the API: `?limit=&cursor=`
//! in, `{items, next_cursor}` out (`next_cursor` null on the last page).
//!
//! A cursor is opaque to callers: base64url (no padding) of the list's name
//! and the sort key of the last item handed out. The next page starts just
//! after that key, so items added between pages are neither lost nor seen
//! twice: a list sorted oldest first shows them at its end, one sorted
//! newest first has them before the page already read. A cursor of another
//! list, or text no list handed out, is 400 naming `cursor`.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// The page size bounds of one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub default: u32,
    pub max: u32,
}

/// Every list but transcripts: `limit` 1–200, default 50 (CONTRACT §2).
pub const LISTS: Bounds = Bounds {
    default: 50,
    max: 200,
};

/// Transcripts: up to 1,000 messages a page (what one read of the
/// transcript service holds), and by default as many, so that a
/// conversation is usually read in one go.
pub const TRANSCRIPTS: Bounds = Bounds {
    default: 1000,
    max: 1000,
};

/// The paging parameters as they arrive; a list's own filters are read
/// beside them.
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    pub limit: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A checked request for one page of the list `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub list: &'static str,
    pub limit: u32,
    /// The sort key of the last item already handed out.
    pub after: Option<String>,
}

impl Page {
    /// Reads `limit` and `cursor` for the list `list`.
    pub fn read(
        list: &'static str,
        bounds: Bounds,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> ApiResult<Self> {
        let limit = match given(limit) {
            None => bounds.default,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=bounds.max).contains(n))
                .ok_or_else(|| {
                    bad(
                        "limit",
                        format!("must be a whole number 1 to {}", bounds.max),
                    )
                })?,
        };
        let after = given(cursor).map(|text| decode(list, text)).transpose()?;
        Ok(Self { list, limit, after })
    }

    /// As [`Page::read`], from the query string alone.
    pub fn from_query(
        list: &'static str,
        bounds: Bounds,
        query: Result<Query<PageParams>, QueryRejection>,
    ) -> ApiResult<Self> {
        let Query(params) =
            query.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
        Self::read(
            list,
            bounds,
            params.limit.as_deref(),
            params.cursor.as_deref(),
        )
    }

    /// The cursor of the page after the one ending at `key`.
    pub fn cursor(&self, key: &str) -> String {
        encode(self.list, key)
    }

    /// One page of `items`, sorted ascending by `key`: those after the
    /// cursor, at most `limit`, and the next cursor when more follow.
    pub fn slice<T>(&self, items: Vec<T>, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
        let mut rest: Vec<(String, T)> = items
            .into_iter()
            .map(|item| (key(&item), item))
            .filter(|(k, _)| self.after.as_ref().is_none_or(|after| k > after))
            .collect();
        let more = rest.len() > self.limit as usize;
        rest.truncate(self.limit as usize);
        let next = more
            .then(|| rest.last().map(|(k, _)| self.cursor(k)))
            .flatten();
        (rest.into_iter().map(|(_, item)| item).collect(), next)
    }
}

/// An absent or blank parameter is no parameter.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// 400 naming the parameter.
fn bad(parameter: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("{parameter}: {problem}"))
}

fn encode(list: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}\n{key}"))
}

fn decode(list: &str, text: &str) -> ApiResult<String> {
    let refused = || bad("cursor", "is not a cursor this list handed out");
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| refused())?;
    let plain = String::from_utf8(bytes).map_err(|_| refused())?;
    match plain.split_once('\n') {
        Some((named, key)) if named == list => Ok(key.to_owned()),
        _ => Err(refused()),
    }
}

/// The answer of a list: `{items, next_cursor}`.
pub fn body(items: Vec<Value>, next_cursor: Option<String>) -> Value {
    json!({"items": items, "next_cursor": next_cursor})
}

/// [`body`], plus the same items under `legacy`, the name this list used
/// before it was paged (kept so that older clients keep working).
pub fn body_with_legacy(items: Vec<Value>, next_cursor: Option<String>, legacy: &str) -> Value {
    let mut answer = body(items.clone(), next_cursor);
    answer[legacy] = Value::Array(items);
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(limit: Option<&str>, cursor: Option<&str>) -> ApiResult<Page> {
        Page::read("things", LISTS, limit, cursor)
    }

    #[test]
    fn limits_outside_one_to_the_maximum_are_400_naming_limit() {
        assert_eq!(page(None, None).unwrap().limit, 50);
        assert_eq!(page(Some("200"), None).unwrap().limit, 200);
        for bad in ["0", "201", "-1", "ten", "1.5"] {
            let error = page(Some(bad), None).unwrap_err();
            assert_eq!(error.status(), axum::http::StatusCode::BAD_REQUEST);
            assert!(error.message().starts_with("limit:"), "{bad}");
        }
    }

    #[test]
    fn a_cursor_reads_back_only_on_its_own_list() {
        let first = page(Some("2"), None).unwrap();
        let cursor = first.cursor("k-1");
        assert_eq!(
            page(None, Some(&cursor)).unwrap().after.as_deref(),
            Some("k-1")
        );
        let other = Page::read("others", LISTS, None, Some(&cursor)).unwrap_err();
        assert!(other.message().starts_with("cursor:"));
        for garbage in ["!!", "zz", "dGhpbmdz"] {
            let error = page(None, Some(garbage)).unwrap_err();
            assert_eq!(error.status(), axum::http::StatusCode::BAD_REQUEST);
            assert!(error.message().starts_with("cursor:"), "{garbage}");
        }
    }

    #[test]
    fn slices_walk_every_item_once_while_items_are_added_at_the_end() {
        let mut items: Vec<u32> = (0..7).collect();
        let key = |n: &u32| format!("{n:04}");
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = page(Some("3"), cursor.as_deref()).unwrap();
            let (got, next) = page.slice(items.clone(), key);
            seen.extend(got);
            items.push(items.len() as u32);
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.dedup();
        assert_eq!(seen, sorted, "no repeats, in order");
        assert_eq!(seen, (0..seen.len() as u32).collect::<Vec<_>>(), "no gaps");
    }
}

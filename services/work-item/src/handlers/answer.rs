//! What a `WorkItemRequest` gets back: a `WorkItemPage` with the items, or
//! with `error` (`not_found`, `invalid`, `conflict`, `unavailable`) and a
//! message naming the problem. Nothing changes on an error.
//!
//! An update is decided on the status read, then applied with
//! compare-and-set on that status; if another update won in between, it is
//! read and decided again, so two agents racing cannot make a move the table
//! in [`crate::domain::status`] forbids.

use bytes::Bytes;
use prost::Message;
use switchboard_bus::rpc::Refuse;
use switchboard_bus::{Classify, Disposition};
use switchboard_contracts::error_codes::ErrorCode;
use switchboard_contracts::ids::{SpaceId, TenantId};
use switchboard_contracts::v1::{WorkItem, WorkItemPage, WorkItemRequest};
use switchboard_runtime::clock::now_ms;
use uuid::Uuid;

use super::Counters;
use crate::domain::request::{self, ListFilter, Request};
use crate::domain::{Move, Status, check_move};
use crate::error::{Refusal, StoreError};
use crate::store::Store;

/// Reads and decisions an update makes before it gives up with `conflict`.
const UPDATE_ATTEMPTS: usize = 5;

#[derive(Debug, Clone)]
pub struct Answerer {
    pub store: Store,
    pub counters: Counters,
    /// Where status changes are told (`None`: not told, in tests).
    pub bus: Option<switchboard_bus::Bus>,
}

/// Why a request was not answered with items; the caller gets its code and
/// message.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Classify for RequestError {
    fn disposition(&self) -> Disposition {
        match self {
            RequestError::Refused(_) => Disposition::Answered,
            RequestError::Store(_) => Disposition::Retry,
        }
    }
}

impl Refuse<WorkItemPage> for RequestError {
    fn reply(&self) -> WorkItemPage {
        match self {
            RequestError::Refused(refusal) => WorkItemPage {
                items: Vec::new(),
                error: refusal.code().to_owned(),
                message: refusal.to_string(),
                more: false,
            },
            RequestError::Store(_) => WorkItemPage {
                items: Vec::new(),
                error: ErrorCode::Unavailable.as_str().into(),
                message: "the work-item store is unavailable; try again".into(),
                more: false,
            },
        }
    }
}

impl Answerer {
    /// The page for a request that arrived on `subject`; `budget` is the most
    /// encoded bytes the reply may take.
    pub async fn answer(
        &self,
        subject: &str,
        payload: Bytes,
        budget: usize,
    ) -> Result<WorkItemPage, RequestError> {
        let request = WorkItemRequest::decode(payload)
            .map_err(|_| Refusal::Invalid("the request is not a WorkItemRequest".into()))?;
        let performed = self.perform(request::parse(subject, request)?).await;
        if let Err(RequestError::Store(_)) = &performed {
            self.counters.rpc_failures.inc();
        }
        let (items, single, more) = performed?;
        let found = items.len();
        let items = fit(items, budget, single);
        // Items left out for size follow on the next page.
        let more = more || items.len() < found;
        Ok(WorkItemPage {
            items,
            more,
            ..Default::default()
        })
    }

    /// The items to answer with, whether the request asked for one, and
    /// whether more items follow them (a list's next page).
    async fn perform(&self, request: Request) -> Result<(Vec<WorkItem>, bool, bool), RequestError> {
        match request {
            Request::Get { tenant, id, spaces } => {
                Ok((vec![self.visible(tenant, id, &spaces).await?], true, false))
            }
            Request::List { tenant, filter } => {
                let (items, more) = self.store.list(tenant, &filter).await?;
                Ok((items, false, more))
            }
            Request::Update {
                tenant,
                id,
                to,
                by,
                spaces,
            } => {
                let item = self.update(tenant, id, to, &by, &spaces).await?;
                Ok((vec![item], true, false))
            }
        }
    }

    async fn visible(
        &self,
        tenant: TenantId,
        id: Uuid,
        spaces: &[SpaceId],
    ) -> Result<WorkItem, RequestError> {
        self.store
            .get(tenant, id)
            .await?
            .filter(|item| ListFilter::visible(spaces, &item.space))
            .ok_or(RequestError::Refused(Refusal::NotFound))
    }

    async fn update(
        &self,
        tenant: TenantId,
        id: Uuid,
        to: Status,
        by: &str,
        spaces: &[SpaceId],
    ) -> Result<WorkItem, RequestError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let item = self.visible(tenant, id, spaces).await?;
            let from = Status::parse("status", &item.status).map_err(|_| {
                StoreError::Corrupt(format!("item {} has status `{}`", item.id, item.status))
            })?;
            if check_move(from, to)? == Move::Stay {
                return Ok(item);
            }
            if self
                .store
                .set_status(tenant, id, from, to, by, now_ms())
                .await?
            {
                self.counters.status_changes.inc();
                tracing::info!(item = %item.id, %from, %to, %by, "work item moved");
                let moved = self.visible(tenant, id, spaces).await?;
                if let Some(bus) = &self.bus {
                    // The move is committed and the agent is answered either
                    // way; a failed publish is logged (followers miss it).
                    let told = super::changes::publish(bus, &moved, super::changes::Change::Status);
                    if let Err(error) = told.await {
                        tracing::warn!(item = %moved.id, %error, "work-item status change not published");
                    }
                }
                return Ok(moved);
            }
        }
        Err(
            Refusal::Conflict("the work item kept changing under the update; try again".into())
                .into(),
        )
    }
}

/// The items, made to fit in `budget` encoded bytes. A list first leaves
/// out the attached transcripts (a get by id has them), then its oldest
/// items; a single item keeps the start of its transcript.
fn fit(mut items: Vec<WorkItem>, budget: usize, single: bool) -> Vec<WorkItem> {
    let size = |items: &[WorkItem]| {
        WorkItemPage {
            items: items.to_vec(),
            ..Default::default()
        }
        .encoded_len()
    };
    if size(&items) <= budget {
        return items;
    }
    if single {
        for item in &mut items {
            while !item.transcript.is_empty() && size(std::slice::from_ref(item)) > budget {
                let keep = item.transcript.len() * 9 / 10;
                item.transcript.truncate(keep);
            }
        }
        return items;
    }
    for item in &mut items {
        item.transcript.clear();
    }
    while !items.is_empty() && size(&items) > budget {
        let keep = items.len() * 9 / 10;
        items.truncate(keep);
    }
    items
}

#[cfg(test)]
#[path = "answer_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_contracts::v1::ChatMessage;

    fn item(messages: usize) -> WorkItem {
        WorkItem {
            id: Uuid::now_v7().to_string(),
            transcript: (0..messages)
                .map(|seq| ChatMessage {
                    seq: seq as u64,
                    text: "x".repeat(100),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_page_that_fits_is_answered_whole() {
        let items = vec![item(3), item(3)];
        assert_eq!(fit(items.clone(), 100_000, false), items);
    }

    #[test]
    fn a_list_too_big_for_one_reply_leaves_out_transcripts_first() {
        let items = vec![item(50), item(50)];
        let fitted = fit(items.clone(), 2_000, false);
        assert_eq!(fitted.len(), 2);
        assert!(fitted.iter().all(|i| i.transcript.is_empty()));
        let few = fit(items, 60, false);
        assert_eq!(few.len(), 1, "then the oldest items");
    }

    #[test]
    fn a_single_item_too_big_keeps_the_start_of_its_transcript() {
        let fitted = fit(vec![item(100)], 3_000, true);
        let kept = &fitted[0].transcript;
        assert!(!kept.is_empty() && kept.len() < 100);
        assert_eq!(kept[0].seq, 0);
    }
}

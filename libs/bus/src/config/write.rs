//! Writing the configuration bucket. Every write names the revision it is
//! based on (the key's last sequence in the bucket's stream, 0 for a key
//! never written), and the server refuses it when another writer got in
//! first: no gateway overwrites an edit it has not seen.
//!
//! - [`ConfigCache::create`]: a new record; refused when the key holds one.
//! - [`ConfigCache::update`]: an edit of an existing record, given as a
//!   function of the record; after losing to another writer it reads the
//!   record again and re-applies the edit ([`EDIT_ATTEMPTS`] times).
//! - [`ConfigCache::put`]: a whole record written over what this cache last
//!   saw of the key.
//! - [`ConfigCache::latest`], [`ConfigCache::replace`],
//!   [`ConfigCache::delete_if`]: the pieces for index keys that enforce
//!   uniqueness across gateways (an email address per tenant).
//!
//! Reads that decide a write go to the stream's leader: replicas answer
//! ordinary reads and may lag a moment behind.

use std::fmt;

use async_nats::jetstream::kv::UpdateErrorKind;
use async_nats::jetstream::stream::LastRawMessageErrorKind;
use bytes::Bytes;
use prost::Message;

use super::{Cached, ConfigCache};
use crate::error::{BusError, ErrorKind};

/// How many times [`ConfigCache::update`] applies an edit before giving up
/// to writers that keep getting in first.
pub const EDIT_ATTEMPTS: usize = 5;

/// The header the bucket marks deletes with, and its values.
const OPERATION: &str = "KV-Operation";
const DELETED: [&str; 2] = ["DEL", "PURGE"];

/// Why [`ConfigCache::update`] wrote nothing.
#[derive(Debug)]
pub enum EditError<E> {
    /// The edit refused the record as this instance knew it (the caller's
    /// own error, e.g. an invalid field).
    Refused(E),
    /// The edit refused the record after another writer changed it: the
    /// edit no longer applies.
    Outdated(E),
    /// The key holds no record (it was deleted meanwhile).
    Missing(String),
    /// Other writers got in first [`EDIT_ATTEMPTS`] times.
    Contended(String),
    Bus(BusError),
}

impl<E: fmt::Display> fmt::Display for EditError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Refused(e) => write!(f, "{e}"),
            EditError::Outdated(e) => {
                write!(f, "changed meanwhile; the edit no longer applies: {e}")
            }
            EditError::Missing(key) => write!(f, "`{key}` holds no record"),
            EditError::Contended(key) => {
                write!(
                    f,
                    "`{key}` kept changing; gave up after {EDIT_ATTEMPTS} attempts"
                )
            }
            EditError::Bus(e) => write!(f, "{e}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for EditError<E> {}

impl ConfigCache {
    /// Writes a new record; `ErrorKind::Conflict` when the key holds one.
    pub async fn create<T: Message>(&self, key: &str, value: &T) -> Result<u64, BusError> {
        let bytes = Bytes::from(value.encode_to_vec());
        let base = match self.cached(key) {
            Some(cached) if cached.value.is_none() => cached.revision,
            _ => 0,
        };
        match self.write_at(key, bytes.clone(), base).await {
            Err(e) if e.kind() == ErrorKind::Conflict => {
                // Perhaps deleted at a revision this cache has not seen.
                let current = self.read_latest(key).await?;
                if current.value.is_some() {
                    return Err(e);
                }
                self.write_at(key, bytes, current.revision).await
            }
            written => written,
        }
    }

    /// Writes `value` over the record as this cache last saw it (creates it
    /// when the cache knows of none); `ErrorKind::Conflict` when the bucket
    /// holds a later revision. An edit of an existing record is better
    /// written with [`ConfigCache::update`], which retries.
    pub async fn put<T: Message>(&self, key: &str, value: &T) -> Result<u64, BusError> {
        let base = self.cached(key).map_or(0, |c| c.revision);
        self.write_at(key, Bytes::from(value.encode_to_vec()), base)
            .await
    }

    /// Applies `edit` to the record and writes the result, based on the
    /// revision the edit was applied to. When another writer got in first,
    /// reads the record again and re-applies `edit` to it, so a concurrent
    /// edit of other fields is kept; `edit` refusing the newer record is
    /// [`EditError::Outdated`]. Returns the record as written.
    pub async fn update<T, E>(
        &self,
        key: &str,
        mut edit: impl FnMut(T) -> Result<T, E>,
    ) -> Result<T, EditError<E>>
    where
        T: Message + Default,
    {
        let mut current = match self.cached(key) {
            Some(cached) => cached,
            None => self.read_latest(key).await.map_err(EditError::Bus)?,
        };
        for attempt in 0..EDIT_ATTEMPTS {
            let Some(bytes) = current.value.clone() else {
                return Err(EditError::Missing(key.to_owned()));
            };
            let record = T::decode(bytes).map_err(|e| EditError::Bus(e.into()))?;
            let next = edit(record).map_err(|e| match attempt {
                0 => EditError::Refused(e),
                _ => EditError::Outdated(e),
            })?;
            let encoded = Bytes::from(next.encode_to_vec());
            match self.write_at(key, encoded, current.revision).await {
                Ok(_) => return Ok(next),
                Err(e) if e.kind() == ErrorKind::Conflict => {
                    current = self.read_latest(key).await.map_err(EditError::Bus)?;
                }
                Err(e) => return Err(EditError::Bus(e)),
            }
        }
        Err(EditError::Contended(key.to_owned()))
    }

    /// The record as the bucket holds it now, read from the stream's leader,
    /// with its revision; `None` when the key holds no record.
    pub async fn latest<T: Message + Default>(
        &self,
        key: &str,
    ) -> Result<Option<(T, u64)>, BusError> {
        let current = self.read_latest(key).await?;
        match current.value {
            Some(bytes) => Ok(Some((T::decode(bytes)?, current.revision))),
            None => Ok(None),
        }
    }

    /// Writes `value` if the key is still at `revision` (0: never written);
    /// `ErrorKind::Conflict` otherwise.
    pub async fn replace<T: Message>(
        &self,
        key: &str,
        value: &T,
        revision: u64,
    ) -> Result<u64, BusError> {
        self.write_at(key, Bytes::from(value.encode_to_vec()), revision)
            .await
    }

    /// Deletes the record when `doomed` says so of the record as the bucket
    /// holds it now (and nobody writes it in between). Returns whether it
    /// deleted.
    pub async fn delete_if<T: Message + Default>(
        &self,
        key: &str,
        doomed: impl Fn(&T) -> bool,
    ) -> Result<bool, BusError> {
        for _ in 0..EDIT_ATTEMPTS {
            let Some((record, revision)) = self.latest::<T>(key).await? else {
                return Ok(false);
            };
            if !doomed(&record) {
                return Ok(false);
            }
            match self.store.delete_expect_revision(key, Some(revision)).await {
                Ok(()) => {
                    self.forget(key).await;
                    return Ok(true);
                }
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {}
                Err(e) => return Err(BusError::new(ErrorKind::Unavailable, e)),
            }
        }
        Err(BusError::new(
            ErrorKind::Conflict,
            format!("`{key}` kept changing; gave up after {EDIT_ATTEMPTS} attempts"),
        ))
    }

    /// Deletes a record (a delete marker in the bucket's history) and drops
    /// it from this cache at once, so this instance stops serving it before
    /// the watch reports the delete. A delete needs no revision: whatever
    /// the record became meanwhile, the intent is that it is gone.
    pub async fn delete(&self, key: &str) -> Result<(), BusError> {
        self.store
            .delete(key)
            .await
            .map_err(|e| BusError::new(ErrorKind::Unavailable, e))?;
        self.forget(key).await;
        Ok(())
    }

    /// Marks a key deleted in this cache after deleting it in the bucket.
    async fn forget(&self, key: &str) {
        // The marker's revision keeps a late watch event of the old value
        // from bringing it back into the cache.
        match self.read_latest(key).await {
            Ok(current) => self.apply(key, current.revision, current.value),
            Err(_) => {
                let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
                if let Some(cached) = entries.get_mut(key) {
                    cached.last_known = cached.value.take().or(cached.last_known.take());
                }
            }
        }
    }

    /// Writes `bytes` if the key's last revision is `base`, and applies the
    /// write to this cache.
    async fn write_at(&self, key: &str, bytes: Bytes, base: u64) -> Result<u64, BusError> {
        match self.store.update(key, bytes.clone(), base).await {
            Ok(revision) => {
                self.apply(key, revision, Some(bytes));
                Ok(revision)
            }
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => Err(BusError::new(
                ErrorKind::Conflict,
                format!("`{key}` was changed by another writer"),
            )),
            Err(e) => Err(BusError::new(ErrorKind::Unavailable, e)),
        }
    }

    /// The key's last revision from the stream's leader (revision 0 for a
    /// key never written), applied to this cache.
    async fn read_latest(&self, key: &str) -> Result<Cached, BusError> {
        let subject = format!("{}{key}", self.store.prefix);
        match self
            .store
            .stream
            .get_last_raw_message_by_subject(&subject)
            .await
        {
            Ok(message) => {
                let deleted = message
                    .headers
                    .get(OPERATION)
                    .is_some_and(|op| DELETED.contains(&op.as_str()));
                let value = (!deleted).then_some(message.payload);
                self.apply(key, message.sequence, value.clone());
                Ok(Cached {
                    revision: message.sequence,
                    value,
                    last_known: None,
                })
            }
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(Cached::absent(0)),
            Err(e) => Err(BusError::new(ErrorKind::Unavailable, e)),
        }
    }
}

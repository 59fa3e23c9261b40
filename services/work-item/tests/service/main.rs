//! The work-item service end to end on a real nats-server and SQLite: the
//! test plays the transcript service (state changes into `SB_EVENTS`,
//! answers to transcript reads) and the gateway (requests on
//! `sb.rpc.workitem.{tenant}`). One test binary; the modules group cases.

mod support;

mod lifecycle;
mod requests;

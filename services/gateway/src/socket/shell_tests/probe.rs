//! The probe session the shell tests run: it echoes the type of every
//! well-formed frame, answers refused ones with the kit's error frame, turns
//! bus inputs into frames and counts reloads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::socket::Now;
use crate::socket::client_frame::{Fields, FrameError, ParseFrame};
use crate::socket::error::WsError;
use crate::socket::intake::{ClientSession, Intake};
use crate::socket::server_frame::OutgoingFrame;
use crate::socket::shell::{Closed, FollowUp, FrameSink, Outbox, SocketSession, Traced};

/// A client frame of the probe: any JSON object with a `type`.
#[derive(Debug)]
pub struct Typed(pub String);

impl ParseFrame for Typed {
    fn parse(text: &str) -> Result<Self, FrameError> {
        Fields::parse(text).map(|fields| Typed(fields.kind))
    }
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProbeFrame {
    Echo { kind: String },
    Event { n: u32 },
    Error { code: String, message: String },
}

impl OutgoingFrame for ProbeFrame {
    fn is_error(&self) -> bool {
        matches!(self, ProbeFrame::Error { .. })
    }
}

pub enum BusInput {
    Event(u32),
    Lost,
}

/// Echoes the type of every well-formed frame.
pub struct Echo(pub Intake);

impl ClientSession for Echo {
    type Frame = Typed;
    type Effect = ProbeFrame;

    fn intake(&mut self) -> &mut Intake {
        &mut self.0
    }

    fn on_client_frame(&mut self, Typed(kind): Typed, _: Now) -> Vec<ProbeFrame> {
        vec![ProbeFrame::Echo { kind }]
    }

    fn refuse(error: WsError) -> ProbeFrame {
        ProbeFrame::Error {
            code: error.code().to_owned(),
            message: error.message(),
        }
    }
}

pub struct Probe {
    pub echo: Echo,
    pub bus: mpsc::UnboundedReceiver<BusInput>,
    pub reloads: Arc<AtomicUsize>,
}

impl SocketSession for Probe {
    type Effect = ProbeFrame;
    type Session = Echo;
    type Delivery = BusInput;

    fn session(&mut self) -> &mut Echo {
        &mut self.echo
    }

    fn reload(&mut self) {
        self.reloads.fetch_add(1, Ordering::SeqCst);
    }

    async fn next_delivery(&mut self) -> Traced<BusInput> {
        match self.bus.recv().await {
            Some(input) => Traced::untraced(input),
            None => std::future::pending().await,
        }
    }

    fn on_delivery(&mut self, delivery: BusInput) -> Result<Vec<ProbeFrame>, &'static str> {
        match delivery {
            BusInput::Event(n) => Ok(vec![ProbeFrame::Event { n }]),
            BusInput::Lost => Err("the connection to the bus was lost"),
        }
    }

    async fn perform<S: FrameSink>(
        &mut self,
        out: &mut Outbox<S>,
        frame: ProbeFrame,
    ) -> Result<FollowUp<ProbeFrame>, Closed> {
        out.send(&frame).await?;
        Ok(FollowUp::done())
    }
}

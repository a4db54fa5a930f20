//! Domain events, delivered at least once and applied exactly once.
//!
//! A service writes its state change and the event in one transaction ([`emit`]); the
//! [`Relay`] publishes the event to SQS right after commit, and a scheduled sweep publishes
//! whatever is still unsent. Consumers take SQS batches ([`each_record`]), apply each event in
//! a transaction that also records it as processed ([`first_delivery`]), and report partial
//! batch failures so that only the failed records come back.

mod consumer;
mod event;
pub mod metrics;
mod outbox;
mod relay;

pub use consumer::{
    each_message, each_record, first_delivery, oldest_message_age, run_scheduled, run_sqs, BoxBatch, BoxJob,
    ScheduledHandler, SqsHandler,
};
pub use event::{DomainEvent, Event, EVENT_VERSION};
pub use outbox::{
    emit, handled_in_process, queues_for, CHAT_QUEUE, MARKET_FULFILMENT_QUEUE, MARKET_PAYMENTS_QUEUE,
    NOTIFICATIONS_QUEUE, SEARCH_QUEUE, TIMELINE_QUEUE,
};
pub use relay::{Queue, Relay, SweepReport};

pub use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

pub const MIGRATIONS: &[cs_db::Migration] = &[
    cs_db::Migration { id: "events/0001_outbox", sql: include_str!("../migrations/0001_outbox.sql") },
    cs_db::Migration { id: "events/0002_grants", sql: include_str!("../migrations/0002_grants.sql") },
];

//! Decision records without the `records` feature: there is no store, so
//! there is no `Recorder` to give a batch. The types exist so that the
//! batch's recording path compiles; it cannot run, because no `Recorder`
//! value can be made.

use crate::decision::Decision;
use crate::policy::Policy;
use crate::request::Request;

/// Where records would go; it has no values without the `records` feature.
#[derive(Debug)]
pub(crate) enum Recorder {}

impl Recorder {
    /// Never called: there is no `Recorder` to call it on.
    pub(crate) fn submit_all(&self, _records: impl IntoIterator<Item = Record>) {
        match *self {}
    }
}

/// The record of one decision, kept nowhere.
#[derive(Debug)]
pub(crate) struct Record;

impl Record {
    /// A record of nothing: without a `Recorder` none is ever asked for.
    pub(crate) fn new(_policy: &Policy, _request: &Request, _decision: &Decision) -> Self {
        Self
    }
}

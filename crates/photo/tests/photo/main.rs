//! outreach-photo's integration tests: the committed test photos and their reports,
//! bad input of every kind, and the fuzz corpus replayed through the pipeline.

mod bad_input;
mod cases;
mod corpus;
mod support;

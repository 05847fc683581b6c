//! The model layer: records, loaders and store functions the handlers and workers call.

pub mod jobs;
pub mod pushes;
pub mod queue;
pub mod webhooks;

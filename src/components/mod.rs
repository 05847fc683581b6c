//! Shared widgets.

pub mod apple_options;
pub mod asset_picker;
pub mod common;
pub mod dialog;
pub mod google_preview;
pub mod pass_preview;
pub mod table;

pub use apple_options::*;
pub use asset_picker::*;
pub use common::*;
pub use dialog::*;
pub use google_preview::*;
pub use pass_preview::*;
pub use table::*;

//! One module per area of the console.

mod assets;
mod audit;
mod campaign_form;
mod campaigns;
mod frame;
mod google;
mod invitation;
mod misc;
mod passes;
mod people;
mod reports;
mod security;
mod templates;

pub use assets::*;
pub use audit::*;
pub use campaign_form::*;
pub use campaigns::*;
pub use frame::*;
pub use google::*;
pub use invitation::*;
pub use misc::*;
pub use passes::*;
pub use people::*;
pub use reports::*;
pub use security::*;
pub use templates::*;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use passworks_wire::CampaignType;

/// The `:ctype` route parameter.
pub fn use_ctype() -> Memo<Option<CampaignType>> {
    let p = use_params_map();
    Memo::new(move |_| p.with(|p| p.get("ctype").and_then(|s| CampaignType::parse(&s))))
}

/// A named route parameter (empty when absent).
pub fn use_param(name: &'static str) -> Memo<String> {
    let p = use_params_map();
    Memo::new(move |_| p.with(|p| p.get(name).unwrap_or_default()))
}

/// Console path of a campaign.
pub fn campaign_href(t: CampaignType, id: &str) -> String {
    format!("/campaigns/{}/{}", t.as_str(), id)
}

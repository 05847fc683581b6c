//! The presentation attributes a template holds and a campaign copies (§11.1): images,
//! colours, logo text, transit type and barcode format.

use crate::error::Errors;
use crate::model::values::BarcodeDoc;
use passworks_wire as wire;
use passworks_wire::rules::event_ticket_strip_conflict;
use passworks_wire::{AssetType, PassType, TransitType};
use serde::{Deserialize, Serialize};

/// The presentation attributes a template holds (§11.1); a campaign carries a copy of its
/// template's. Changing any of them on a campaign generates a new template (§7.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Presentation {
    pub icon_id: Option<String>,
    pub logo_id: Option<String>,
    pub strip_id: Option<String>,
    pub thumbnail_id: Option<String>,
    pub background_id: Option<String>,
    pub footer_id: Option<String>,
    pub logo_text: Option<String>,
    pub background_color: Option<String>,
    pub text_color: Option<String>,
    pub label_color: Option<String>,
    pub transit_type: Option<TransitType>,
    pub barcode_format: wire::BarcodeFormat,
}

/// The six image slots, in asset-type order (every slot the API stores as `<slot>_id`;
/// which ones a style shows is [`passworks_wire::rules::renders_image`]). The poster images
/// live in `apple.images`, not here.
pub const IMAGE_SLOTS: &[AssetType] = AssetType::CLASSIC;

/// No image (the poster slots, which a presentation does not hold).
const NO_IMAGE: &Option<String> = &None;

impl Presentation {
    /// The image id in `slot` (always `None` for the poster slots, see [`IMAGE_SLOTS`]).
    pub fn image(&self, slot: AssetType) -> &Option<String> {
        match slot {
            AssetType::Artwork
            | AssetType::PrimaryLogo
            | AssetType::SecondaryLogo
            | AssetType::PersonalizationLogo => NO_IMAGE,
            AssetType::Icon => &self.icon_id,
            AssetType::Logo => &self.logo_id,
            AssetType::Strip => &self.strip_id,
            AssetType::Thumbnail => &self.thumbnail_id,
            AssetType::Background => &self.background_id,
            AssetType::Footer => &self.footer_id,
        }
    }

    /// The image id in `slot`, mutably. Only for the slots of [`IMAGE_SLOTS`], which every
    /// caller iterates: a poster slot is a bug, not a request (those live in `apple.images`).
    pub fn image_mut(&mut self, slot: AssetType) -> &mut Option<String> {
        match slot {
            AssetType::Artwork
            | AssetType::PrimaryLogo
            | AssetType::SecondaryLogo
            | AssetType::PersonalizationLogo => {
                unreachable!(
                    "poster and personalization images are kept in apple, not in the presentation"
                )
            }
            AssetType::Icon => &mut self.icon_id,
            AssetType::Logo => &mut self.logo_id,
            AssetType::Strip => &mut self.strip_id,
            AssetType::Thumbnail => &mut self.thumbnail_id,
            AssetType::Background => &mut self.background_id,
            AssetType::Footer => &mut self.footer_id,
        }
    }

    /// Distinct asset ids referenced.
    pub fn asset_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = IMAGE_SLOTS
            .iter()
            .filter_map(|s| self.image(*s).clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The campaign/template-level barcode (message and alt text `""`).
    pub fn barcode(&self) -> wire::Barcode {
        BarcodeDoc {
            format: self.barcode_format,
            message: None,
            alt_text: None,
        }
        .to_wire("")
    }
}

/// The event-ticket strip rule (the wire crate's `rules::event_ticket_strip_conflict`) as
/// the API's 422 on `strip_id`, for campaigns, templates and passes' effective images alike.
pub fn check_strip_rule(
    style: PassType,
    has_image: impl Fn(AssetType) -> bool,
    errors: &mut Errors,
) {
    if event_ticket_strip_conflict(style, has_image).is_some() {
        errors.add(
            "strip_id",
            "can't be combined with background_id or thumbnail_id on event tickets",
        );
    }
}

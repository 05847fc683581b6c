//! Enumerations of the contract, with their wire spellings.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Declares a string enum with its wire names, `as_str`, `parse` and `ALL`.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $wire $(, alias = $alias)*)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the wire spelling or one of its documented aliases.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($wire $(| $alias)* => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// The five campaign types, by their path segment (§5).
    CampaignType {
        Coupon = "coupons",
        StoreCard = "store_cards",
        EventTicket = "event_tickets",
        BoardingPass = "boarding_passes",
        Generic = "generics",
    }
);

impl CampaignType {
    /// Root key of create/update bodies (`coupon`, `store_card`, …).
    pub fn root_key(self) -> &'static str {
        match self {
            CampaignType::Coupon => "coupon",
            CampaignType::StoreCard => "store_card",
            CampaignType::EventTicket => "event_ticket",
            CampaignType::BoardingPass => "boarding_pass",
            CampaignType::Generic => "generic",
        }
    }

    /// The template `pass_type` / Apple Wallet style key.
    pub fn pass_type(self) -> PassType {
        match self {
            CampaignType::Coupon => PassType::Coupon,
            CampaignType::StoreCard => PassType::StoreCard,
            CampaignType::EventTicket => PassType::EventTicket,
            CampaignType::BoardingPass => PassType::BoardingPass,
            CampaignType::Generic => PassType::Generic,
        }
    }

    /// Human name, singular ("Store card").
    pub fn label(self) -> &'static str {
        match self {
            CampaignType::Coupon => "Coupon",
            CampaignType::StoreCard => "Store card",
            CampaignType::EventTicket => "Event ticket",
            CampaignType::BoardingPass => "Boarding pass",
            CampaignType::Generic => "Generic pass",
        }
    }

    /// Human name, plural ("Store cards").
    pub fn plural_label(self) -> &'static str {
        match self {
            CampaignType::Coupon => "Coupons",
            CampaignType::StoreCard => "Store cards",
            CampaignType::EventTicket => "Event tickets",
            CampaignType::BoardingPass => "Boarding passes",
            CampaignType::Generic => "Generic passes",
        }
    }

    /// Upper bound of `max_distance` in metres (§7.2).
    pub fn max_distance_limit(self) -> i64 {
        match self {
            CampaignType::EventTicket => 1000,
            _ => 100,
        }
    }
}

wire_enum!(
    /// Template `pass_type` and Apple Wallet style key (§5, §11.1).
    PassType {
        Coupon = "coupon",
        StoreCard = "storeCard" | "store_card",
        EventTicket = "eventTicket" | "event_ticket",
        BoardingPass = "boardingPass" | "boarding_pass",
        Generic = "generic",
    }
);

wire_enum!(
    /// Field behaviour on merge (§6.1).
    #[derive(Default)]
    Behaviour {
        #[default]
        Fixed = "fixed",
        Dynamic = "dynamic",
    }
);

wire_enum!(
    /// Barcode format (§6.4).
    #[derive(Default)]
    BarcodeFormat {
        #[default]
        Qrcode = "qrcode",
        Pdf417 = "pdf417",
        Aztec = "aztec",
        Ean128 = "ean128",
        None = "none",
        /// Code 39 (iOS 27, `PKBarcodeFormatCode39`).
        Code39 = "code39",
        /// Codabar (iOS 27, `PKBarcodeFormatCodabar`).
        Codabar = "codabar",
        /// EAN-13 (iOS 27, `PKBarcodeFormatEAN13`).
        Ean13 = "ean13",
        /// Interleaved 2 of 5, ITF (iOS 27, `PKBarcodeFormatI2of5`).
        I2of5 = "i2of5" | "itf",
    }
);

impl BarcodeFormat {
    /// Whether Wallet first draws this format in iOS 27 (`code39`, `codabar`, `ean13`,
    /// `i2of5`): a pass with one also needs a format older iOS draws, which the pass
    /// builder adds when the barcodes have none (Apple's `Pass.Barcodes`).
    pub fn needs_ios27(self) -> bool {
        matches!(
            self,
            BarcodeFormat::Code39
                | BarcodeFormat::Codabar
                | BarcodeFormat::Ean13
                | BarcodeFormat::I2of5
        )
    }

    /// Whether the symbol is one row of bars (Code 128 and the iOS 27 formats) rather
    /// than a matrix or stacked code.
    pub fn is_linear(self) -> bool {
        self == BarcodeFormat::Ean128 || self.needs_ios27()
    }
}

wire_enum!(
    /// Barcode numbering policy (§6.5). `list` is reserved and refused with 422.
    #[derive(Default)]
    CodeType {
        #[default]
        Sequential = "sequential" | "sequencial",
        Fixed = "fixed",
        List = "list",
        PerPass = "per_pass",
    }
);

wire_enum!(
    /// Campaign state (§7.4).
    CampaignState {
        Published = "published",
        Paused = "paused",
        Archived = "archived",
    }
);

wire_enum!(
    /// Boarding pass transit type (§7.2).
    TransitType {
        Air = "air",
        Boat = "boat",
        Bus = "bus",
        Train = "train",
        Generic = "generic",
    }
);

wire_enum!(
    /// Asset types and the image slots they fill (§6.6).
    AssetType {
        Icon = "icon",
        Logo = "logo",
        Strip = "strip",
        Thumbnail = "thumbnail",
        Background = "background",
        Footer = "footer",
        /// Poster event tickets: the full-bleed artwork (`artwork.png`).
        Artwork = "artwork",
        /// Poster event tickets (and semantic boarding passes): the logo at the top
        /// (`primaryLogo.png`).
        PrimaryLogo = "primary_logo",
        /// Poster event tickets: the small logo at the bottom right (`secondaryLogo.png`).
        SecondaryLogo = "secondary_logo",
        /// Rewards enrollment: the logo at the top of Wallet's sign-up form
        /// (`personalizationLogo.png`, 150×40 pt).
        PersonalizationLogo = "personalization_logo",
    }
);

impl AssetType {
    /// The six image slots of the 2014 mapping (§6.6), in order: the slots campaigns,
    /// templates and passes carry as `<slot>_id` attributes.
    pub const CLASSIC: &'static [AssetType] = &[
        AssetType::Icon,
        AssetType::Logo,
        AssetType::Strip,
        AssetType::Thumbnail,
        AssetType::Background,
        AssetType::Footer,
    ];

    /// The poster images (Apple's poster event tickets, iOS 18), set under
    /// `apple.images` ([`crate::apple::PosterImages`]).
    pub const POSTER: &'static [AssetType] = &[
        AssetType::Artwork,
        AssetType::PrimaryLogo,
        AssetType::SecondaryLogo,
    ];

    /// Whether this is a poster image ([`AssetType::POSTER`]).
    pub fn is_poster(self) -> bool {
        AssetType::POSTER.contains(&self)
    }

    /// The attribute that references an asset of this type: `<slot>_id` on campaigns,
    /// templates and passes, `apple.images.<slot>_id` for the poster images.
    pub fn slot_attribute(self) -> &'static str {
        match self {
            AssetType::Icon => "icon_id",
            AssetType::Logo => "logo_id",
            AssetType::Strip => "strip_id",
            AssetType::Thumbnail => "thumbnail_id",
            AssetType::Background => "background_id",
            AssetType::Footer => "footer_id",
            AssetType::Artwork => "apple.images.artwork_id",
            AssetType::PrimaryLogo => "apple.images.primary_logo_id",
            AssetType::SecondaryLogo => "apple.images.secondary_logo_id",
            AssetType::PersonalizationLogo => "apple.personalization.logo_id",
        }
    }

    /// The file name inside a `.pkpass`, without scale suffix and extension (Apple's
    /// names: `icon`, `logo`, …, `artwork`, `primaryLogo`, `secondaryLogo`).
    pub fn file_stem(self) -> &'static str {
        match self {
            AssetType::PrimaryLogo => "primaryLogo",
            AssetType::SecondaryLogo => "secondaryLogo",
            AssetType::PersonalizationLogo => "personalizationLogo",
            other => other.as_str(),
        }
    }
}

wire_enum!(
    /// Wallet apps a registration can come from (§14).
    Wallet {
        Passbook = "passbook",
        GoogleWallet = "google_wallet",
        WalletPasses = "wallet_passes",
        PassworksWallet = "passworks_wallet",
        Pass2u = "pass2u",
        Passwallet = "passwallet",
    }
);

wire_enum!(
    /// Device operating systems (§14).
    DeviceOs {
        Ios = "ios",
        Android = "android",
        Wp = "wp",
    }
);

wire_enum!(
    /// Pass lifecycle events (§17).
    EventKind {
        Created = "created",
        Downloaded = "downloaded",
        Installed = "installed",
        Fetched = "fetched",
        Redeemed = "redeemed",
        Uninstalled = "uninstalled",
        /// The holder signed up in Wallet (rewards enrollment, `POST …/personalize`).
        Personalized = "personalized",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_parse_to_canonical_values() {
        assert_eq!(CodeType::parse("sequencial"), Some(CodeType::Sequential));
        assert_eq!(CodeType::Sequential.as_str(), "sequential");
        assert_eq!(PassType::parse("store_card"), Some(PassType::StoreCard));
        assert_eq!(
            serde_json::from_str::<CodeType>("\"sequencial\"").unwrap(),
            CodeType::Sequential
        );
        assert_eq!(CampaignType::parse("event_tickers"), None);
    }
}

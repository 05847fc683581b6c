//! Apple Wallet `.pkpass` packages for the Passworks API v2 clone.
//!
//! The crate turns a [`PassSpec`] (the data of one pass, in Passworks terms) plus a set of
//! [`PreparedImage`]s and a [`Signer`] into a signed `.pkpass` archive, following §20 of the
//! contract (Apple Wallet mapping):
//!
//! * [`pass_json`] maps a [`PassSpec`] to `pass.json`;
//! * [`PreparedImage`] decodes an uploaded image once and keeps the 1x/@2x/@3x PNG files, with
//!   their SHA-1 and CRC-32, ready to be copied into every pass;
//! * [`Signer`] holds a parsed Pass Type ID identity (certificate, key, WWDR intermediate) and
//!   signs manifests; [`dev_ca::generate`] makes a local development identity;
//! * [`validate`] reports every problem that would make Wallet reject (or silently mangle) a pass;
//! * [`build_pkpass`] validates, writes `pass.json`, the images, `manifest.json` and the detached
//!   PKCS#7 `signature`, and zips them (stored entries);
//! * [`render_barcode_png`] and [`render_preview_png`] draw previews for the console.
//!
//! Typical use from the server:
//!
//! ```no_run
//! # fn demo(p12: &[u8], wwdr: &[u8], icon_png: &[u8], spec: &passworks_pkpass::PassSpec) {
//! use passworks_pkpass::{build_pkpass, PreparedImage, Signer};
//! use passworks_wire::AssetType;
//! use std::sync::Arc;
//!
//! let signer = Arc::new(Signer::from_p12(p12, "secret", wwdr).expect("certificate"));
//! let icon = PreparedImage::from_png(AssetType::Icon, icon_png).expect("image");
//! let pkpass: Vec<u8> = build_pkpass(spec, &[&icon], &signer).expect("valid pass");
//! # }
//! ```

mod build;
pub mod dev_ca;
mod images;
mod render;
mod signer;
mod spec;
mod validate;
mod zipper;

pub use build::{
    build_pkpass, bundle_pkpasses, localization_files, manifest_json, pass_strings, BundleError,
    MAX_BUNDLE_BYTES, MAX_BUNDLE_PASSES, PKPASSES_CONTENT_TYPE, PKPASS_CONTENT_TYPE,
};
pub use images::{slot_box_points, ImageError, ImageFile, PrepareOptions, PreparedImage};
pub use render::{render_barcode_png, render_preview_png, render_preview_png_in, BarcodeError};
pub use signer::{CertificateError, CertificateInfo, Signer};
pub use spec::{
    apple_barcode_format, apple_transit_type, effective_barcodes, pass_json, HostedImage, PassSpec,
};
pub use validate::{validate, ValidationError};

/// Re-exported wire types used in this crate's API.
pub use passworks_wire::{
    AssetType, Barcode, BarcodeFormat, Beacon, Field, Location, PassType, TransitType,
};

//! Certificates (§11.2 and the upload/delete extension of issue 4): Pass Type ID signing
//! identities.
//!
//! Lists show the account's own certificates and the instance-wide development
//! certificate (`account_id IS NULL`). Uploads are multipart (`certificate[file]` .p12,
//! `certificate[password]`, `certificate[wwdr]` PEM or DER) and are checked by
//! [`passworks_pkpass::Signer::from_p12`] before anything is stored; storage and the
//! encryption of private keys at rest are in [`crate::model::certificates`]. The API
//! never returns key material.

use crate::api::assets::{multipart_error, multipart_rejection, read_field_limited};
use crate::auth::{Account, Auth};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::certificates::{self, CertificateRecord};
use crate::model::{accounts, parse_id};
use crate::routes::{doc, Part, Routes};
use crate::state::AppState;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_pkpass::{CertificateError, Signer};
use passworks_wire as wire;

/// Largest accepted part of a certificate upload (a .p12 is a few kilobytes).
pub const MAX_PART_BYTES: usize = 256 * 1024;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    const PARTS: &[Part] = &[
        Part {
            name: "certificate[file]",
            file: true,
            required: true,
            description: "The Pass Type ID certificate and its private key (.p12).",
        },
        Part {
            name: "certificate[password]",
            file: false,
            required: false,
            description: "The .p12 password.",
        },
        Part {
            name: "certificate[wwdr]",
            file: true,
            required: false,
            description: "Apple's WWDR intermediate certificate (PEM or DER).",
        },
    ];
    Routes::new("Certificates")
        .get(
            "/certificates",
            list,
            doc("List certificates (own and shared)")
                .list::<wire::Certificate>(crate::model::certificates::LIST_COLUMNS),
        )
        .post(
            "/certificates",
            create,
            doc("Upload a Pass Type ID certificate (.p12, extension)")
                .created::<wire::Certificate>()
                .multipart(PARTS, 1024 * 1024)
                .errors(&[422]),
        )
        .get(
            "/certificates/{certificate_id}",
            show,
            doc("One certificate").ok::<wire::Certificate>(),
        )
        .delete(
            "/certificates/{certificate_id}",
            destroy,
            doc("Delete a certificate no campaign uses (extension)")
                .ok::<wire::DeleteOk>()
                .errors(&[412]),
        )
        .post(
            "/certificates/{certificate_id}/default",
            make_default,
            doc("Make it the default signing certificate (extension)").ok::<wire::Certificate>(),
        )
}

fn to_wire(account: &Account, c: &CertificateRecord) -> wire::Certificate {
    let default = match &account.default_certificate_id {
        Some(d) => *d == c.id,
        // Without a choice of its own, an account signs with the shared development
        // certificate.
        None => c.account_id.is_none() && c.development,
    };
    wire::Certificate {
        id: c.id.clone(),
        team_identifier: c.team_identifier.clone(),
        pass_type_identifier: c.pass_type_identifier.clone(),
        issued_to: c.issued_to.clone(),
        expires_at: c.expires_at.clone(),
        development: c.development,
        default,
        notice: c
            .development
            .then(|| wire::DEVELOPMENT_CERTIFICATE_NOTICE.to_string()),
        created_at: c.created_at.clone(),
    }
}

/// A certificate visible to the account, or 404.
async fn load_visible(
    state: &AppState,
    account: &Account,
    id: &str,
) -> ApiResult<CertificateRecord> {
    certificates::load_visible(&state.db, &account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("certificate"))
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Certificate>> {
    Ok(certificates::list(&state.db, &account.id, &params)
        .await?
        .map(move |c| to_wire(&account, &c)))
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Certificate>> {
    let id = parse_id(&raw, "certificate")?;
    let c = load_visible(&state, &account, &id).await?;
    Ok(Json(to_wire(&account, &c)))
}

/// The attribute a certificate loading failure is reported under.
fn error_attribute(e: &CertificateError) -> &'static str {
    match e {
        CertificateError::WrongPassword => "password",
        CertificateError::IntermediateUnreadable(_)
        | CertificateError::NotIssuedByIntermediate(_) => "wwdr",
        _ => "file",
    }
}

/// The message shown for a certificate loading failure.
fn error_message(e: &CertificateError) -> String {
    match e {
        // OpenSSL's PKCS#12 reader keeps only a certificate that matches the private key,
        // so a key exported with the wrong certificate shows up as "no certificate".
        CertificateError::MissingCertificate => "the .p12 file contains no certificate that \
            matches its private key: export the Pass Type ID certificate together with its \
            own private key"
            .into(),
        other => other.to_string(),
    }
}

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<wire::Certificate>)> {
    let mut multipart = multipart.map_err(multipart_rejection)?;
    let mut file: Option<Vec<u8>> = None;
    let mut password: Option<Vec<u8>> = None;
    let mut wwdr: Option<Vec<u8>> = None;
    let mut too_large = false;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        let slot = match name.as_str() {
            "certificate[file]" | "file" => &mut file,
            "certificate[password]" | "password" => &mut password,
            "certificate[wwdr]" | "wwdr" => &mut wwdr,
            _ => {
                read_field_limited(field, 0).await?;
                continue;
            }
        };
        match read_field_limited(field, MAX_PART_BYTES).await? {
            Some(data) => *slot = Some(data),
            None => too_large = true,
        }
    }
    if too_large {
        return Err(ApiError::TooLarge(
            "A part of the upload is larger than 256 KiB; a .p12 file is a few kilobytes".into(),
        ));
    }
    let mut errors = Errors::default();
    let file = file.filter(|f| !f.is_empty());
    if file.is_none() {
        errors.add("file", "can't be blank (a .p12 certificate export)");
    }
    let password = match String::from_utf8(password.unwrap_or_default()) {
        Ok(p) => p,
        Err(_) => {
            errors.add("password", "must be UTF-8 text");
            String::new()
        }
    };
    let iterations = file.as_deref().and_then(crate::p12::max_iterations);
    if iterations.is_some_and(|n| n > crate::p12::MAX_P12_ITERATIONS) {
        errors.add(
            "file",
            format!(
                "asks for more than {} key-derivation iterations; export it again with \
                 the default settings",
                crate::p12::MAX_P12_ITERATIONS
            ),
        );
    }
    errors.check()?;
    let file = file.unwrap_or_default();
    let wwdr = wwdr.unwrap_or_default();
    let signer = tokio::task::spawn_blocking(move || Signer::from_p12(&file, &password, &wwdr))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("certificate check task failed: {e}")))?
        .map_err(|e| ApiError::invalid(error_attribute(&e), error_message(&e)))?;
    let id = certificates::insert_certificate(
        &state.db,
        &state.settings,
        Some(&account.id),
        &signer,
        false,
    )
    .await?;
    let c = load_visible(&state, &account, &id).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&account, &c))))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&raw, "certificate")?;
    let c = load_visible(&state, &account, &id).await?;
    if c.account_id.is_none() {
        return Err(ApiError::precondition(
            "certificate",
            "The shared development certificate cannot be deleted",
        ));
    }
    let mut tx = state.db.begin().await?;
    let users = certificates::campaigns_using(&mut tx, &account.id, &id).await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "certificate",
            format!(
                "Certificate in use by {} campaigns, e.g.: {first}",
                users.len()
            ),
        ));
    }
    certificates::delete(&mut tx, &account.id, &id).await?;
    tx.commit().await?;
    Ok(Json(wire::DeleteOk::default()))
}

async fn make_default(
    State(state): State<AppState>,
    Auth(mut account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Certificate>> {
    let id = parse_id(&raw, "certificate")?;
    let c = load_visible(&state, &account, &id).await?;
    accounts::set_default_certificate(&state.db, &account.id, &id).await?;
    account.default_certificate_id = Some(id);
    Ok(Json(to_wire(&account, &c)))
}

//! People of the organization (issue 16), for callers with the people permission:
//! invite by e-mail (the answer carries the invitation link, shown once; with SMTP
//! configured the link is also e-mailed, see `mail.rs`), change a role, remove, and issue
//! a new link (also how a forgotten password is reset).

use crate::auth::{hash_key, Principal};
use crate::body::JsonBody;
use crate::db::{format_time, random_token};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::users::{self, UserRecord};
use crate::model::{parse_id, sessions};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire::{self as wire, Role};
use serde_json::{Map, Value};

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Teams")
        .get(
            "/users",
            list,
            doc("List the organization's people").list::<wire::User>(users::LIST_COLUMNS),
        )
        .post(
            "/users",
            invite,
            doc("Invite a person by e-mail: the answer holds the invitation link")
                .created::<wire::User>()
                .body::<wire::UserInput>("user")
                .requires(&["email", "role"])
                .errors(&[422]),
        )
        .get(
            "/users/{user_id}",
            show,
            doc("One person").ok::<wire::User>(),
        )
        .patch(
            "/users/{user_id}",
            update,
            doc("Change a person's name or role")
                .ok::<wire::User>()
                .body::<wire::UserInput>("user")
                .errors(&[412, 422]),
        )
        .delete(
            "/users/{user_id}",
            remove,
            doc("Remove a person (their sessions end)")
                .ok::<wire::DeleteOk>()
                .errors(&[412]),
        )
        .post(
            "/users/{user_id}/invitation",
            reinvite,
            doc("A new invitation link (to set a new password); the old link stops working")
                .ok::<wire::User>(),
        )
        .get(
            "/users/{user_id}/sessions",
            user_sessions,
            doc("A person's sessions").list::<wire::Session>(sessions::LIST_COLUMNS),
        )
}

/// The wire shape of a person; `invitation` is the link when one was just made.
pub fn to_wire(u: &UserRecord, invitation_url: Option<String>) -> wire::User {
    wire::User {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role,
        status: if u.active { "active" } else { "invited" }.into(),
        last_sign_in_at: u.last_sign_in_at.clone(),
        invitation_url,
        invitation_expires_at: u.invitation_expires_at.clone(),
        invitation_sent_at: u.invitation_sent_at.clone(),
        invitation_mail_error: u.invitation_mail_error.clone(),
        created_at: u.created_at.clone(),
        updated_at: u.updated_at.clone(),
    }
}

/// A new invitation: (the token's hash, expiry, link holding the token).
fn new_invitation(state: &AppState) -> (String, String, String) {
    let token = random_token(24);
    let hash = hash_key(&token);
    let expires = format_time(chrono::Utc::now() + chrono::Duration::days(INVITATION_DAYS));
    // The token travels in the fragment: browsers send it to no server and no Referer.
    let url = state.url(&format!("/invitation#{token}"));
    (hash, expires, url)
}

/// E-mails a person's new invitation link when SMTP is configured and records how it
/// went on the person. The invitation is already stored: a failed mail never loses it
/// (the link is still in the answer, and the error is shown with the person).
async fn mail_invitation(
    state: &AppState,
    principal: &Principal,
    user: &UserRecord,
    url: &str,
) -> ApiResult<()> {
    let Some(mailer) = &state.settings.mailer else {
        return Ok(());
    };
    let message = crate::mail::invitation(
        &user.email,
        &principal.account.name,
        user.role.as_str(),
        url,
        INVITATION_DAYS,
    );
    let outcome = mailer.send(&message).await;
    if let Err(e) = &outcome {
        tracing::warn!(user = %user.id, error = %e, "e-mailing an invitation failed");
    }
    users::record_invitation_mail(&state.db, &user.id, outcome.err().as_deref()).await?;
    Ok(())
}

/// Reads a role attribute (422 with the accepted values).
fn read_role(attrs: &Map<String, Value>, errors: &mut Errors) -> Option<Role> {
    match attrs.get("role") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let role = Role::parse(s);
            if role.is_none() {
                errors.add("role", format!("must be one of {}", Role::expected()));
            }
            role
        }
        Some(_) => {
            errors.add("role", "must be a string");
            None
        }
    }
}

/// Reads a name attribute (at most 255 characters).
fn read_name(attrs: &Map<String, Value>, errors: &mut Errors) -> Option<String> {
    match attrs.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 255 => {
            errors.add("name", "is too long (maximum is 255 characters)");
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            errors.add("name", "must be a string");
            None
        }
    }
}

async fn invite(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::User>)> {
    let attrs = body.root("user")?;
    let mut errors = Errors::default();
    let email = match attrs.get("email") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            let e = s.trim().to_lowercase();
            if !crate::mail::valid_email(&e) {
                errors.add("email", "is not an e-mail address");
            }
            e
        }
        Some(Value::String(_)) | Some(Value::Null) | None => {
            errors.add("email", "can't be blank");
            String::new()
        }
        Some(_) => {
            errors.add("email", "must be a string");
            String::new()
        }
    };
    if attrs.get("role").is_none_or(Value::is_null) {
        errors.add("role", "can't be blank");
    }
    let role = read_role(attrs, &mut errors);
    let name = read_name(attrs, &mut errors).unwrap_or_default();
    errors.check()?;
    let role = role.unwrap_or(Role::Viewer);
    let (hash, expires, url) = new_invitation(&state);
    let id = match users::invite(
        &state.db,
        &principal.account.id,
        &email,
        &name,
        role,
        &hash,
        &expires,
    )
    .await
    {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(ApiError::invalid("email", "has already been taken"))
        }
        Err(e) => return Err(e.into()),
    };
    mail_invitation(
        &state,
        &principal,
        &load(&state, &principal, &id).await?,
        &url,
    )
    .await?;
    let user = load(&state, &principal, &id).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&user, Some(url)))))
}

async fn load(state: &AppState, principal: &Principal, id: &str) -> ApiResult<UserRecord> {
    users::load(&state.db, &principal.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::User>> {
    Ok(users::list(&state.db, &principal.account.id, &params)
        .await?
        .map(|u| to_wire(&u, None)))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::User>> {
    let id = parse_id(&raw, "user")?;
    Ok(Json(to_wire(&load(&state, &principal, &id).await?, None)))
}

async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<wire::User>> {
    let id = parse_id(&raw, "user")?;
    let user = load(&state, &principal, &id).await?;
    let attrs = body.root("user")?;
    let mut errors = Errors::default();
    if attrs.contains_key("email") {
        errors.add("email", "cannot be changed; invite the new address instead");
    }
    let role = read_role(attrs, &mut errors);
    let name = read_name(attrs, &mut errors);
    errors.check()?;
    let role = role.unwrap_or(user.role);
    if principal.user_id.as_deref() == Some(id.as_str()) && role != user.role {
        return Err(ApiError::precondition(
            "role",
            "You cannot change your own role; another owner can",
        ));
    }
    users::update(
        &state.db,
        &principal.account.id,
        &id,
        name.as_deref().unwrap_or(&user.name),
        role,
    )
    .await?;
    Ok(Json(to_wire(&load(&state, &principal, &id).await?, None)))
}

async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&raw, "user")?;
    if principal.user_id.as_deref() == Some(id.as_str()) {
        return Err(ApiError::precondition(
            "base",
            "You cannot remove yourself; another owner can",
        ));
    }
    if !users::delete(&state.db, &principal.account.id, &id).await? {
        return Err(ApiError::not_found("user"));
    }
    Ok(Json(wire::DeleteOk::default()))
}

async fn reinvite(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::User>> {
    let id = parse_id(&raw, "user")?;
    let (hash, expires, url) = new_invitation(&state);
    if !users::reinvite(&state.db, &principal.account.id, &id, &hash, &expires).await? {
        return Err(ApiError::not_found("user"));
    }
    mail_invitation(
        &state,
        &principal,
        &load(&state, &principal, &id).await?,
        &url,
    )
    .await?;
    Ok(Json(to_wire(
        &load(&state, &principal, &id).await?,
        Some(url),
    )))
}

async fn user_sessions(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
    params: ListParams,
) -> ApiResult<Paged<wire::Session>> {
    let id = parse_id(&raw, "user")?;
    load(&state, &principal, &id).await?;
    let current = principal.session_id.clone();
    Ok(
        sessions::list(&state.db, &principal.account.id, Some(&id), &params)
            .await?
            .map(move |s| crate::api::sessions::session_to_wire(&s, current.as_deref())),
    )
}

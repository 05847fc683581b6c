//! Templates (§11.1): list, get, create and delete (with the `delete_assets` rule). The
//! records, image checks and stores are in [`crate::model::templates`].

use crate::api::convert::template_to_wire;
use crate::auth::Auth;
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::campaign_input::PresentationPatch;
use crate::model::presentation::Presentation;
use crate::model::values::{not_in_list, parse_bool, Reader, MAX_STRING, MAX_TEXT};
use crate::model::{parse_id, templates};
use crate::routes::{doc, ParamKind, QueryParam, Routes};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use passworks_wire::PassType;
use std::collections::HashMap;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Templates")
        .get(
            "/templates",
            list,
            doc("List templates").list::<wire::Template>(crate::model::templates::LIST_COLUMNS),
        )
        .post(
            "/templates",
            create,
            doc("Create a template")
                .created::<wire::Template>()
                .body::<wire::TemplateInput>("template")
                .requires(&["name", "pass_type"])
                .errors(&[422]),
        )
        .get(
            "/templates/{template_id}",
            show,
            doc("One template").ok::<wire::Template>(),
        )
        .delete(
            "/templates/{template_id}",
            destroy,
            doc("Delete a template (optionally its assets)")
                .ok::<wire::DeleteOk>()
                .optional_body::<TemplateDelete>("template")
                .query(&[QueryParam {
                    name: "delete_assets",
                    kind: ParamKind::String,
                    description: "true or false, as in the body (default false).",
                }])
                .errors(&[412, 422]),
        )
}

/// The optional body of a template delete, for the OpenAPI document (`destroy` reads
/// `delete_assets` under `template`, at the body root or in the query string).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "only its schema is used, by the OpenAPI document")]
struct TemplateDelete {
    /// Also delete the template's assets when no other template uses them (default
    /// false; "true"/"false" accepted).
    #[schema(value_type = Option<bool>)]
    delete_assets: Option<serde_json::Value>,
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Template>> {
    Ok(templates::list(&state.db, &account.id, &params)
        .await?
        .map(|t| template_to_wire(&t)))
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Template>> {
    let id = parse_id(&id, "template")?;
    let t = templates::load(&state.db, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("template"))?;
    Ok(Json(template_to_wire(&t)))
}

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Template>)> {
    let map = body.root("template")?;
    let mut errors = Errors::default();
    let mut r = Reader::new(map, &mut errors);
    let name = if r.has("name") {
        r.non_blank("name", MAX_STRING)
    } else {
        r.errors.add("name", "can't be blank");
        None
    };
    let description = r.string("description", MAX_TEXT).flatten();
    let pass_type = match r.enumeration("pass_type", PassType::parse, &PassType::expected()) {
        Some(Some(p)) => Some(p),
        Some(None) => {
            r.errors.add("pass_type", "can't be blank");
            None
        }
        None => {
            if !r.has("pass_type") {
                r.errors.add("pass_type", "can't be blank");
            }
            None
        }
    };
    let patch = PresentationPatch::read(&mut r);
    let mut p = Presentation::default();
    patch.apply(&mut p);
    if pass_type == Some(PassType::BoardingPass) {
        if p.transit_type.is_none() && !errors.0.contains_key("transit_type") {
            errors.add("transit_type", "can't be blank for boardingPass templates");
        }
    } else if p.transit_type.is_some() && pass_type.is_some() {
        errors.add("transit_type", "is only allowed for boardingPass templates");
    }
    if p.icon_id.is_none() && !errors.0.contains_key("icon_id") {
        errors.add("icon_id", "can't be blank");
    }
    if let Some(style) = pass_type {
        crate::model::presentation::check_strip_rule(style, |s| p.image(s).is_some(), &mut errors);
    }
    let mut tx = state.db.begin().await?;
    templates::check_images(&mut tx, &account.id, &p, &mut errors).await?;
    if let Some(n) = &name {
        if templates::name_taken(&mut tx, &account.id, n).await? {
            errors.add("name", "has already been taken");
        }
    }
    errors.check()?;
    let (Some(name), Some(pass_type)) = (name, pass_type) else {
        return Err(ApiError::invalid("base", "invalid template"));
    };
    let t = templates::insert_template(
        &mut tx,
        &account.id,
        &name,
        description.as_deref(),
        pass_type,
        "api",
        &p,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(template_to_wire(&t))))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: JsonBody,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&id, "template")?;
    // `delete_assets` under `template`, at the body root, or in the query string.
    let raw = body
        .0
        .get("template")
        .and_then(|t| t.get("delete_assets"))
        .or_else(|| body.0.get("delete_assets"))
        .cloned()
        .or_else(|| {
            query
                .get("delete_assets")
                .or_else(|| query.get("template[delete_assets]"))
                .map(|s| serde_json::Value::String(s.clone()))
        });
    let delete_assets = match raw {
        None | Some(serde_json::Value::Null) => false,
        Some(v) => parse_bool(&v)
            .ok_or_else(|| ApiError::invalid("delete_assets", not_in_list("true, false")))?,
    };
    let mut tx = state.db.begin().await?;
    let t = templates::load_tx(&mut tx, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("template"))?;
    let users = templates::campaigns_using(&mut tx, &account.id, &t.id).await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "template",
            format!(
                "Template in use by {} campaigns, e.g.: {first}",
                users.len()
            ),
        ));
    }
    templates::delete(&mut tx, &t, delete_assets).await?;
    tx.commit().await?;
    Ok(Json(wire::DeleteOk { errors: vec![] }))
}
